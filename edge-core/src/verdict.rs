//! The answer of an identity pre-check (RealMe `namecheck`/`mobilecheck`, phone3), in the
//! terms the edge acts on. The vendors' own words stay out of it: `Error::why` is for logs.

/// What an identity check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The data belong together.
    Match,
    /// They do not; the customer should check the named part.
    Mismatch(MismatchPart),
    /// The upstream is busy or briefly unavailable: ask again later. For phone3 this is only
    /// its "centre busy" result, the one case that fails over to RealMe `mobilecheck`.
    Busy,
    /// No verdict: the call was refused (parameters, signature, permission, token), the
    /// reply was unreadable or contradictory, or the upstream reported an exception.
    /// Retrying the same call may not help; an operator should read `why`.
    Error {
        /// For logs only, never for a customer (it may quote the vendor).
        why: String,
    },
}

/// Which part of the customer's input to check again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MismatchPart {
    /// The name and the ID number do not belong together (or one of them is malformed).
    NameOrId,
    /// The mobile is not registered to this person.
    Mobile,
    /// The upstream has no record of this ID number: ask the customer to check it.
    NoRecord,
}

impl MismatchPart {
    /// Stable code (stored, sent to the browser).
    pub fn as_str(self) -> &'static str {
        match self {
            MismatchPart::NameOrId => "name_or_id",
            MismatchPart::Mobile => "mobile",
            MismatchPart::NoRecord => "no_record",
        }
    }
}

/// A verdict read from a body only counts when the HTTP status agrees (2xx); a match or
/// mismatch under any other status is contradictory and becomes an error.
pub(crate) fn only_on_success(status: u16, verdict: Verdict) -> Verdict {
    match verdict {
        Verdict::Match | Verdict::Mismatch(_) if !crate::reply::is_success(status) => {
            Verdict::Error {
                why: format!("a verdict under HTTP {status}"),
            }
        }
        v => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_need_a_2xx() {
        assert_eq!(only_on_success(200, Verdict::Match), Verdict::Match);
        assert!(matches!(
            only_on_success(400, Verdict::Match),
            Verdict::Error { .. }
        ));
        assert!(matches!(
            only_on_success(404, Verdict::Mismatch(MismatchPart::Mobile)),
            Verdict::Error { .. }
        ));
        assert_eq!(only_on_success(400, Verdict::Busy), Verdict::Busy);
        assert_eq!(MismatchPart::NoRecord.as_str(), "no_record");
    }
}
