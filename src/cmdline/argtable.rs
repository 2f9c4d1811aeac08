//! Reading yarn, pnpm and bun command lines against hand-written tables of each tool's options
//! (their grammars are in `docs/cli-grammar.md`). One engine, three styles: commander 2
//! (yarn 1), clipanion (yarn ≥ 2), clap (pnpm 12, bun). An option the table does not know is an
//! error naming the argument: the caller fails closed for install-family commands. Pure; does
//! not decide what a command installs.

use super::Error;

/// How an option takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arity {
    /// No value (`--dev`); `--flag=value` is accepted only where the style allows it.
    Flag,
    /// One value: the next token (whatever it is) or `--opt=value`.
    Value,
    /// commander's `[value]`: the next token when it does not start with `-`.
    Optional,
    /// clap's `require_equals` optional value: only `--opt=value`.
    Equals,
    /// clap's `num_args(1..)`: every following token up to the next option.
    Values,
}

/// One option: its long names (without dashes), its short letter, its arity and the key it
/// is stored under (its first long name).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opt {
    pub(crate) long: &'static [&'static str],
    pub(crate) short: Option<char>,
    pub(crate) arity: Arity,
}

impl Opt {
    pub(crate) fn key(&self) -> &'static str {
        self.long.first().copied().unwrap_or("")
    }
}

/// Shorthand for table rows.
pub(crate) const fn opt(long: &'static [&'static str], short: Option<char>, arity: Arity) -> Opt {
    Opt { long, short, arity }
}

/// The parser family's rules.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    /// Every flag also has a `--no-<flag>` form (clipanion, pnpm's negation pass).
    pub(crate) negations: bool,
    /// `-Cdir` (the rest of a short cluster is the value of a value-taking short option).
    pub(crate) attached_short_value: bool,
    /// `--flag=true` / `--flag=false` (clap's SetTrue).
    pub(crate) flag_equals: bool,
    /// A token that looks like an option but is not in the table: error (clap, clipanion,
    /// bun) or, as commander 2 does, an unknown option that eats the next non-dash token.
    pub(crate) unknown_is_error: bool,
}

/// What a command line held: positionals in order, and every option set (key, value).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub(crate) positionals: Vec<String>,
    pub(crate) options: Vec<(&'static str, Option<String>)>,
    /// Options the table did not know (only when the style tolerates them).
    pub(crate) unknown: Vec<String>,
    /// Everything after a `--`.
    pub(crate) rest: Vec<String>,
}

impl Parsed {
    pub(crate) fn has(&self, key: &str) -> bool {
        self.options.iter().any(|(k, _)| *k == key)
    }

    /// A flag's final state: set, negated (`--no-x` stores `no-x`) or absent.
    pub(crate) fn flag(&self, key: &str) -> Option<bool> {
        self.options.iter().rev().find_map(|(k, v)| {
            if *k == key {
                Some(!matches!(v.as_deref(), Some("false" | "0" | "no" | "off")))
            } else {
                k.strip_prefix("no-").filter(|k| *k == key).map(|_| false)
            }
        })
    }

    pub(crate) fn value(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.as_deref())
    }

    pub(crate) fn values(&self, key: &str) -> Vec<&str> {
        self.options
            .iter()
            .filter(|(k, _)| *k == key)
            .filter_map(|(_, v)| v.as_deref())
            .collect()
    }
}

fn find_long<'a>(tables: &[&'a [Opt]], name: &str) -> Option<&'a Opt> {
    tables
        .iter()
        .flat_map(|t| t.iter())
        .find(|o| o.long.contains(&name))
}

fn find_short<'a>(tables: &[&'a [Opt]], c: char) -> Option<&'a Opt> {
    tables
        .iter()
        .flat_map(|t| t.iter())
        .find(|o| o.short == Some(c))
}

/// Where parsing stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Read everything (options may follow positionals).
    Never,
    /// Stop at the first positional: it and everything after it go to `rest` (`dlx <cmd>
    /// args...`, finding the command word).
    FirstPositional,
}

/// Parse `args` against `tables` in `style`. An unknown option (when the style makes it an
/// error) or a missing value is an `Error::usage` naming the argument.
pub(crate) fn parse(
    args: &[String],
    tables: &[&[Opt]],
    style: Style,
    stop: Stop,
) -> Result<Parsed, Error> {
    let mut out = Parsed::default();
    let mut i = 0;
    let unknown = |a: &str| {
        Error::usage(format!(
            "unknown option `{a}`: installguard does not know what it does, so it cannot tell what this command would install"
        ))
    };
    let missing = |a: &str| Error::usage(format!("option `{a}` needs a value"));
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            out.rest.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = a.strip_prefix("--").filter(|b| !b.is_empty()) {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let (opt, negated) = match find_long(tables, name) {
                Some(o) => (Some(o), false),
                None if style.negations => match name.strip_prefix("no-") {
                    Some(base) => match find_long(tables, base) {
                        Some(o) if o.arity == Arity::Flag => (Some(o), true),
                        _ => (None, false),
                    },
                    None => (None, false),
                },
                None => (None, false),
            };
            let Some(opt) = opt else {
                if style.unknown_is_error {
                    return Err(unknown(a));
                }
                out.unknown.push(a.clone());
                // commander 2: an unknown option takes the next token when it is not an option.
                if inline.is_none() && args.get(i).is_some_and(|n| !n.starts_with('-')) {
                    out.unknown.push(args[i].clone());
                    i += 1;
                }
                continue;
            };
            if negated {
                if inline.is_some() {
                    return Err(unknown(a));
                }
                out.options.push((opt.key(), Some("false".into())));
                continue;
            }
            match opt.arity {
                Arity::Flag => {
                    if inline.is_some() && !style.flag_equals {
                        return Err(Error::usage(format!("option `--{name}` takes no value")));
                    }
                    out.options.push((opt.key(), inline));
                }
                Arity::Equals => out.options.push((opt.key(), inline)),
                Arity::Value => {
                    let v = match inline {
                        Some(v) => v,
                        None => {
                            let v = args.get(i).ok_or_else(|| missing(a))?.clone();
                            i += 1;
                            v
                        }
                    };
                    out.options.push((opt.key(), Some(v)));
                }
                Arity::Optional => {
                    let v = match inline {
                        Some(v) => Some(v),
                        None if args.get(i).is_some_and(|n| !n.starts_with('-')) => {
                            i += 1;
                            Some(args[i - 1].clone())
                        }
                        None => None,
                    };
                    out.options.push((opt.key(), v));
                }
                Arity::Values => {
                    // `--cpu=x64 lodash`: whether clap goes on taking values after an inline
                    // one is not observable from outside; reading `lodash` as a package is the
                    // reading that checks more.
                    if let Some(v) = inline {
                        out.options.push((opt.key(), Some(v)));
                        continue;
                    }
                    let mut any = false;
                    while let Some(n) = args.get(i).filter(|n| !n.starts_with('-')) {
                        out.options.push((opt.key(), Some(n.clone())));
                        i += 1;
                        any = true;
                    }
                    if !any {
                        return Err(missing(a));
                    }
                }
            }
            continue;
        }
        if let Some(cluster) = a.strip_prefix('-').filter(|c| !c.is_empty() && *c != "-") {
            let chars: Vec<char> = cluster.chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                k += 1;
                let Some(opt) = find_short(tables, c) else {
                    if style.unknown_is_error {
                        return Err(unknown(a));
                    }
                    out.unknown.push(format!("-{c}"));
                    continue;
                };
                match opt.arity {
                    Arity::Flag | Arity::Equals => out.options.push((opt.key(), None)),
                    Arity::Value | Arity::Optional | Arity::Values => {
                        let attached: String = chars[k..].iter().collect();
                        let attached = attached.strip_prefix('=').unwrap_or(&attached);
                        if !attached.is_empty() && style.attached_short_value {
                            out.options.push((opt.key(), Some(attached.to_string())));
                        } else if k < chars.len() {
                            // commander and clipanion: a value option inside a cluster takes
                            // the next token only when it is last.
                            return Err(Error::usage(format!(
                                "option `-{c}` in `{a}` needs a value"
                            )));
                        } else if opt.arity == Arity::Optional
                            && args.get(i).is_none_or(|n| n.starts_with('-'))
                        {
                            out.options.push((opt.key(), None));
                        } else {
                            let v = args.get(i).ok_or_else(|| missing(a))?.clone();
                            i += 1;
                            out.options.push((opt.key(), Some(v)));
                            while opt.arity == Arity::Values
                                && let Some(n) = args.get(i).filter(|n| !n.starts_with('-'))
                            {
                                out.options.push((opt.key(), Some(n.clone())));
                                i += 1;
                            }
                        }
                        break;
                    }
                }
            }
            continue;
        }
        if stop == Stop::FirstPositional {
            out.rest.push(a.clone());
            out.rest.extend(args[i..].iter().cloned());
            break;
        }
        out.positionals.push(a.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Arity::*;

    const T: &[Opt] = &[
        opt(&["dev"], Some('D'), Flag),
        opt(&["exact"], Some('E'), Flag),
        opt(&["dir", "prefix"], Some('C'), Value),
        opt(&["prod", "production"], None, Optional),
        opt(&["color"], None, Equals),
        opt(&["cpu"], None, Values),
    ];
    const CLAP: Style = Style {
        negations: true,
        attached_short_value: true,
        flag_equals: true,
        unknown_is_error: true,
    };
    const COMMANDER: Style = Style {
        negations: false,
        attached_short_value: false,
        flag_equals: false,
        unknown_is_error: false,
    };

    fn p(line: &str, style: Style) -> String {
        match parse(&crate::cmdline::cases::argv(line), &[T], style, Stop::Never) {
            Ok(p) => format!(
                "{:?} {:?} {:?} {:?}",
                p.positionals, p.options, p.unknown, p.rest
            ),
            Err(e) => format!("!{}", e.message),
        }
    }

    #[test]
    fn styles() {
        for (line, style, want) in [
            (
                "a -DE b",
                CLAP,
                r#"["a", "b"] [("dev", None), ("exact", None)] [] []"#,
            ),
            ("-Cdir a", CLAP, r#"["a"] [("dir", Some("dir"))] [] []"#),
            ("-C=dir a", CLAP, r#"["a"] [("dir", Some("dir"))] [] []"#),
            (
                "-Cdir a",
                COMMANDER,
                "!option `-C` in `-Cdir` needs a value",
            ),
            ("--prefix x a", CLAP, r#"["a"] [("dir", Some("x"))] [] []"#),
            (
                "--no-dev a",
                CLAP,
                r#"["a"] [("dev", Some("false"))] [] []"#,
            ),
            ("--no-dev a", COMMANDER, r#"[] [] ["--no-dev", "a"] []"#),
            (
                "--dev=false a",
                CLAP,
                r#"["a"] [("dev", Some("false"))] [] []"#,
            ),
            ("--dev=false a", COMMANDER, "!option `--dev` takes no value"),
            ("--prod a", COMMANDER, r#"[] [("prod", Some("a"))] [] []"#),
            (
                "--prod -D a",
                COMMANDER,
                r#"["a"] [("prod", None), ("dev", None)] [] []"#,
            ),
            ("--color a", CLAP, r#"["a"] [("color", None)] [] []"#),
            (
                "--cpu x y -D z",
                CLAP,
                r#"["z"] [("cpu", Some("x")), ("cpu", Some("y")), ("dev", None)] [] []"#,
            ),
            ("--cpu", CLAP, "!option `--cpu` needs a value"),
            ("--foo a", CLAP, "!unknown option `--foo`*"),
            ("-x a", CLAP, "!unknown option `-x`*"),
            ("a -- -D b", CLAP, r#"["a"] [] [] ["-D", "b"]"#),
            ("- a", CLAP, r#"["-", "a"] [] [] []"#),
        ] {
            let got = p(line, style);
            let ok = match want.strip_suffix('*') {
                Some(prefix) => got.starts_with(prefix),
                None => got == want,
            };
            assert!(ok, "{line}: {got}");
        }
        let flag = parse(
            &crate::cmdline::cases::argv("--dev --no-dev"),
            &[T],
            CLAP,
            Stop::Never,
        )
        .unwrap();
        assert_eq!(flag.flag("dev"), Some(false));
        let stop = parse(
            &crate::cmdline::cases::argv("-D cowsay --dev x"),
            &[T],
            CLAP,
            Stop::FirstPositional,
        )
        .unwrap();
        assert_eq!(stop.rest, ["cowsay", "--dev", "x"]);
    }
}
