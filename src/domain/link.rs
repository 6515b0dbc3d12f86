//! The payload of a deep link, `t.me/<bot>?start=<payload>`: which
//! checklist to start, and the source an operator tags the link with.

/// Longest source, in characters.
pub const MAX_SOURCE_LEN: usize = 32;

/// What a well-formed payload asks for. Whether the checklist exists is for
/// the caller to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartLink {
    pub checklist: String,
    /// Where the link was shared (`fb`, `newsletter_dec`), if tagged.
    pub source: Option<String>,
}

/// `<checklist id>` or `<checklist id>-<source>`: a checklist id of a-z,
/// 0-9 and _ (at most 32 characters), a source of 1–32 characters of
/// A-Za-z0-9_. Telegram passes payloads of 1–64 characters of A-Za-z0-9_-;
/// anything else, or an empty source, is `None`.
pub fn parse_start_payload(payload: &str) -> Option<StartLink> {
    if payload.is_empty() || payload.len() > 64 {
        return None;
    }
    let (checklist, source) = match payload.split_once('-') {
        Some((checklist, source)) => (checklist, Some(source)),
        None => (payload, None),
    };
    let checklist_ok = (1..=super::checklist::MAX_CHECKLIST_ID_LEN).contains(&checklist.len())
        && checklist
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    let source_ok = source.is_none_or(|s| {
        (1..=MAX_SOURCE_LEN).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    (checklist_ok && source_ok).then(|| StartLink {
        checklist: checklist.to_string(),
        source: source.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_names_a_checklist_and_maybe_a_source() {
        let link = |checklist: &str, source: Option<&str>| {
            Some(StartLink {
                checklist: checklist.into(),
                source: source.map(str::to_string),
            })
        };
        assert_eq!(
            parse_start_payload("churn_audit"),
            link("churn_audit", None)
        );
        assert_eq!(
            parse_start_payload("churn_audit-fb"),
            link("churn_audit", Some("fb"))
        );
        assert_eq!(
            parse_start_payload("relationship_audit-Dec_2026"),
            link("relationship_audit", Some("Dec_2026"))
        );
        let longest = format!("{}-{}", "a".repeat(31), "S".repeat(32));
        assert_eq!(longest.len(), 64);
        assert!(parse_start_payload(&longest).is_some());
    }

    #[test]
    fn malformed_payloads_are_refused() {
        for bad in [
            "",
            "-fb",
            "churn_audit-",
            "churn_audit-f-b",
            "churn_audit-f b",
            "churn_audit-фб",
            "Churn_audit",
            "churn audit",
            "churn.audit",
            &format!("churn_audit-{}", "s".repeat(33)),
            &format!("{}-fb", "a".repeat(33)),
            &"a".repeat(65),
        ] {
            assert_eq!(parse_start_payload(bad), None, "{bad:?}");
        }
    }
}
