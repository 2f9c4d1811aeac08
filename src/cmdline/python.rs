//! `python[3[.X]] [interpreter options] -m pip ...`: finds where pip's own argv starts.
//! Pure. Only the modules in [`PIP_MODULES`] are pip; any other module, script or `-c` is not
//! ours (code that imports pip itself, `-c "import pip..."`, cannot be seen from argv).

/// Interpreter options that take a value (CPython 3.x `Py_GetArgcArgv` grammar).
const VALUE_SHORT: &[char] = &['W', 'X'];
/// Long interpreter options that take the next word.
const VALUE_LONG: &[&str] = &["--check-hash-based-pycs"];

/// If `args` (after the interpreter name) run pip as a module, the arguments pip receives.
pub fn pip_args(args: &[String]) -> Option<&[String]> {
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" || arg == "-" || !arg.starts_with('-') {
            // A script, stdin or end of options: not `-m pip`.
            return None;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or(long);
            if VALUE_LONG.contains(&format!("--{name}").as_str()) && !long.contains('=') {
                i += 1;
            }
            i += 1;
            continue;
        }
        // A cluster of short options such as `-Im`, `-W ignore`, `-mpip`.
        let cluster: Vec<char> = arg[1..].chars().collect();
        for (pos, &c) in cluster.iter().enumerate() {
            let attached: String = cluster[pos + 1..].iter().collect();
            match c {
                'c' => return None,
                'm' => {
                    let (module, rest_start) = if attached.is_empty() {
                        (args.get(i + 1)?.as_str(), i + 2)
                    } else {
                        (attached.as_str(), i + 1)
                    };
                    return is_pip_module(module).then(|| &args[rest_start..]);
                }
                c if VALUE_SHORT.contains(&c) => {
                    if attached.is_empty() {
                        i += 1;
                    }
                    break;
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// The module names that run pip's command line: the package, its `__main__`, and the runner
/// `pip.__pip-runner__` (what pip itself uses to re-run under another interpreter).
pub const PIP_MODULES: &[&str] = &["pip", "pip.__main__", "pip.__pip-runner__"];

fn is_pip_module(module: &str) -> bool {
    PIP_MODULES.contains(&module)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(line: &str) -> Option<String> {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        pip_args(&args).map(|rest| rest.join(" "))
    }

    #[test]
    fn interpreter_option_table() {
        for (line, want) in [
            ("-m pip install flask", Some("install flask")),
            ("-mpip install flask", Some("install flask")),
            ("-Im pip install flask", Some("install flask")),
            ("-I -m pip install flask", Some("install flask")),
            ("-W ignore -m pip install x", Some("install x")),
            ("-Wignore -m pip install x", Some("install x")),
            ("-X utf8 -m pip list", Some("list")),
            ("-m pip.__main__ install x", Some("install x")),
            ("-m pip.__pip-runner__ install x", Some("install x")),
            ("-mpip.__pip-runner__ install x", Some("install x")),
            ("-E -s -Im pip.__main__ install x", Some("install x")),
            ("-OO -bb -P -x -m pip install x", Some("install x")),
            ("-Xdev -m pip install x", Some("install x")),
            ("-m pip._internal install x", None),
            ("-m pipenv install x", None),
            ("-m ensurepip", None),
            (
                "--check-hash-based-pycs always -m pip install x",
                Some("install x"),
            ),
            ("-m pipx install x", None),
            ("-m venv env", None),
            ("script.py -m pip install x", None),
            ("-c import-pip -m pip", None),
            ("-W -m pip install x", None),
            ("-", None),
            ("", None),
            ("-m", None),
        ] {
            assert_eq!(case(line).as_deref(), want, "python {line}");
        }
    }
}
