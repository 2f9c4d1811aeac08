//! Enums named by one string each: a method (`as_str`, or `Rule::id`) is the only place a
//! variant's name is written, and serialisation goes through it, so the JSON, the log, the
//! messages and the policy keys cannot drift apart. Decides no names itself.

/// `Serialize` an enum as the string its method returns; with `, deserialize` also
/// `Deserialize` it from that string (the enum needs an `ALL` list of its variants).
macro_rules! serde_by_name {
    ($t:ty, $name:ident) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.$name())
            }
        }
    };
    ($t:ty, $name:ident, deserialize) => {
        $crate::names::serde_by_name!($t, $name);
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                <$t>::ALL
                    .iter()
                    .copied()
                    .find(|v| v.$name() == s)
                    .ok_or_else(|| {
                        <D::Error as serde::de::Error>::custom(format!(
                            "unknown {} `{s}`",
                            stringify!($t)
                        ))
                    })
            }
        }
    };
}
pub(crate) use serde_by_name;

#[cfg(test)]
mod tests {
    use crate::audit::{DecidedBy, Decision};
    use crate::ecosystem::{Ecosystem, Manager};
    use crate::request::{SourceKind, TargetKind};
    use crate::verdict::{Rule, Severity, Verdict};

    /// Each name serialises as itself and reads back (where the enum is read).
    #[test]
    fn names_round_trip() {
        fn json<T: serde::Serialize>(v: T) -> String {
            serde_json::to_string(&v).unwrap()
        }
        for v in Ecosystem::ALL {
            assert_eq!(json(v), format!("\"{}\"", v.as_str()));
            assert_eq!(serde_json::from_str::<Ecosystem>(&json(v)).unwrap(), v);
        }
        for v in Decision::ALL {
            assert_eq!(serde_json::from_str::<Decision>(&json(v)).unwrap(), v);
        }
        for v in DecidedBy::ALL {
            assert_eq!(serde_json::from_str::<DecidedBy>(&json(v)).unwrap(), v);
        }
        assert_eq!(json(DecidedBy::NoTerminal), "\"no-terminal\"");
        assert!(serde_json::from_str::<Decision>("\"maybe\"").is_err());
        assert_eq!(json(Rule::StaleData), "\"stale-data\"");
        assert_eq!(json(Severity::Warn), "\"warn\"");
        assert_eq!(json(Verdict::Block), "\"block\"");
        assert_eq!(json(Manager::Pip), "\"pip\"");
        assert_eq!(json(TargetKind::AllOutdated), "\"all-outdated\"");
        assert_eq!(json(SourceKind::FindLinks), "\"find-links\"");
    }
}
