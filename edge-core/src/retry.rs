//! When to send again after an unknown outcome: capped exponential back-off and a bounded
//! number of sends. Time is the caller's: this only computes delays.

/// How often and how long apart a send is repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendPolicy {
    /// Sends in all, the first included.
    pub max_attempts: u32,
    /// Delay after the first send, in seconds.
    pub base_delay_secs: u32,
    /// Longest delay, in seconds.
    pub max_delay_secs: u32,
}

impl Default for SendPolicy {
    /// Four sends: the first, then 5 s, 10 s and 20 s later (capped at 5 minutes).
    fn default() -> Self {
        SendPolicy {
            max_attempts: 4,
            base_delay_secs: 5,
            max_delay_secs: 300,
        }
    }
}

impl SendPolicy {
    /// Seconds to wait after `attempt` sends (1-based): `base × 2^(attempt − 1)`, capped at
    /// `max_delay_secs`, without overflow however large `attempt` is. `attempt` 0 (nothing
    /// sent yet) waits 0.
    pub fn delay_after(&self, attempt: u32) -> u32 {
        let Some(doublings) = attempt.checked_sub(1) else {
            return 0;
        };
        // Past 2^32 the product exceeds any u32 cap (unless the base is 0): stop doubling
        // there, where the u64 product cannot overflow either.
        let delay = u64::from(self.base_delay_secs) << doublings.min(32);
        let capped = delay.min(u64::from(self.max_delay_secs));
        u32::try_from(capped).unwrap_or(self.max_delay_secs)
    }

    /// Whether `attempts` sends used the budget up.
    pub fn exhausted(&self, attempts: u32) -> bool {
        attempts >= self.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule() {
        let p = SendPolicy::default();
        assert_eq!(
            (p.max_attempts, p.base_delay_secs, p.max_delay_secs),
            (4, 5, 300)
        );
        let delays: Vec<u32> = (0..=8).map(|a| p.delay_after(a)).collect();
        assert_eq!(delays, [0, 5, 10, 20, 40, 80, 160, 300, 300]);
        assert!(!p.exhausted(0));
        assert!(!p.exhausted(3));
        assert!(p.exhausted(4));
        assert!(p.exhausted(5));
    }

    #[test]
    fn no_overflow() {
        let p = SendPolicy {
            max_attempts: u32::MAX,
            base_delay_secs: u32::MAX,
            max_delay_secs: u32::MAX,
        };
        assert_eq!(p.delay_after(1), u32::MAX);
        assert_eq!(p.delay_after(2), u32::MAX);
        let d = SendPolicy::default();
        for a in [31, 32, 33, 64, u32::MAX] {
            assert_eq!(d.delay_after(a), 300, "{a}");
        }
        assert_eq!(d.delay_after(32), 300);
        let tiny = SendPolicy {
            max_attempts: 0,
            base_delay_secs: 0,
            max_delay_secs: 10,
        };
        assert_eq!(tiny.delay_after(40), 0);
        assert_eq!(tiny.delay_after(3), 0);
        assert!(tiny.exhausted(0));
    }
}
