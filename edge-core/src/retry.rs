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

/// How early a queue message may arrive and still count as due (queues deliver a delayed
/// message roughly on time, not to the millisecond).
pub const DUE_SLACK_MS: i64 = 1_000;

/// Whether background work on an order is due at `now_ms`: its `next_try_ms` has come (a
/// redelivered or duplicate message, or a cron pass racing the queue, finds it not due and
/// does nothing). An operator's request is always due; `None` (nothing scheduled, e.g. 待确认)
/// is never due by itself.
pub fn due(next_try_ms: Option<i64>, now_ms: i64, operator: bool) -> bool {
    operator || next_try_ms.is_some_and(|t| t <= now_ms + DUE_SLACK_MS)
}

/// How long one consumer's lease on an order lasts: one upstream call at its time-out plus a
/// margin for the D1 writes around it. The holder renews it before every upstream call, so a
/// step of several calls never outlives its lease.
pub fn lease_ms(upstream_timeout_ms: u32) -> i64 {
    i64::from(upstream_timeout_ms) + 15_000
}

/// Background steps that failed in a row (a D1 error, a data error) before the order is
/// flagged for an operator.
pub const JOB_FLAG_AFTER: i64 = 5;

/// When a failed background step is tried again: 30 s × 2^(failures − 1), at most an hour, so
/// a poison order sinks to the back of the line instead of being first in every pass.
pub fn job_backoff_ms(failures: i64) -> i64 {
    let doublings = u32::try_from(failures.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    (30_000_i64 << doublings).min(3_600_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_means_scheduled_and_come() {
        assert!(due(Some(1_000), 1_000, false));
        assert!(due(Some(1_900), 1_000, false), "within the slack");
        assert!(!due(Some(2_001), 1_000, false));
        assert!(!due(None, 1_000, false));
        assert!(due(None, 1_000, true));
        assert!(due(Some(i64::MAX), 0, true));
    }

    #[test]
    fn a_lease_outlives_one_upstream_call() {
        assert!(lease_ms(10_000) > 10_000);
        assert_eq!(lease_ms(0), 15_000);
    }

    #[test]
    fn failed_steps_back_off_to_an_hour() {
        let b: Vec<i64> = [0, 1, 2, 3, 8, 9, 1_000, i64::MAX]
            .map(job_backoff_ms)
            .to_vec();
        assert_eq!(
            b,
            [
                30_000, 30_000, 60_000, 120_000, 3_600_000, 3_600_000, 3_600_000, 3_600_000
            ]
        );
    }

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
