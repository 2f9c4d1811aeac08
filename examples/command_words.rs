//! Lists every command word a guarded package manager accepts, read from the real tool's own
//! help (and, for npm, the cmd-list its help prints from), in the format of the committed
//! tables `src/cmdline/words/<tool>.words`: one command path a line, then a tab and its
//! aliases when it has any. `cargo run --example command_words -- <tool> <program>` prints
//! the list for `program` (tools: npm pip uv pipx poetry pnpm yarn1 berry bun); the
//! integration test `words::` regenerates each list with the tools of the test setup and fails
//! on a difference. Does not classify commands (that is `src/cmdline/words/<tool>.tsv`) and
//! knows nothing of hidden aliases the help does not print.

use std::path::Path;
use std::process::Command;

/// The command words of `tool` as `program` prints them, one line each, sorted.
pub fn words(tool: &str, program: &Path) -> Result<Vec<String>, String> {
    let mut lines = match tool {
        "npm" => npm(program)?,
        "pip" => block(&help(program, &["help"])?, "Commands:")
            .iter()
            .map(|l| first_word(l))
            .collect(),
        "uv" => uv(program, &[])?,
        "pipx" => pipx(&help(program, &["--help"])?),
        "poetry" => poetry(&help(program, &["list", "--no-ansi"])?),
        "pnpm" => clap_commands(&block(&help(program, &["help"])?, "Commands:")),
        "yarn1" => yarn1(&help(program, &["help"])?),
        "berry" => berry(&help(program, &["help"])?),
        "bun" => bun(program)?,
        _ => return Err(format!("unknown tool `{tool}`")),
    };
    lines.retain(|l| !l.is_empty());
    lines.sort();
    lines.dedup();
    Ok(lines)
}

/// The version line the committed table starts with (`# uv 0.13.9`).
pub fn version(tool: &str, program: &Path) -> Result<String, String> {
    let out = help(program, &["--version"])?;
    let v = out
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or("")
        .trim_end_matches(')')
        .to_string();
    Ok(format!("# {tool} {v}"))
}

/// What `program args` prints (stdout and stderr: some tools print help on stderr), without
/// colour escapes. Run in a fresh empty directory so no project changes the answer.
fn help(program: &Path, args: &[&str]) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("command-words-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let out = Command::new(program)
        .args(args)
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0")
        .env("COLUMNS", "200")
        .env_remove("INSTALLGUARD_ACTIVE")
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    let out = out.map_err(|e| format!("{}: {e}", program.display()))?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Ok(strip_ansi(&text))
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The lines after `header` up to the next blank line (leading blank lines skipped).
fn block(text: &str, header: &str) -> Vec<String> {
    let mut lines = text.lines().skip_while(|l| l.trim() != header).skip(1);
    let mut out = Vec::new();
    for l in lines.by_ref() {
        if l.trim().is_empty() {
            if out.is_empty() {
                continue;
            }
            break;
        }
        out.push(l.to_string());
    }
    out
}

fn first_word(line: &str) -> String {
    line.split_whitespace().next().unwrap_or("").to_string()
}

fn with_aliases(path: &str, aliases: &[String]) -> String {
    if aliases.is_empty() {
        path.to_string()
    } else {
        format!("{path}\t{}", aliases.join(" "))
    }
}

/// npm: the commands and aliases of the cmd-list its `npm help` is printed from.
fn npm(program: &Path) -> Result<Vec<String>, String> {
    let text = help(program, &["help"])?;
    let root = text
        .lines()
        .find_map(|l| l.strip_prefix("npm@"))
        .and_then(|l| l.split_once(' '))
        .map(|(_, p)| p.trim().to_string())
        .ok_or("`npm help` names no install directory")?;
    let script = "const c = require(process.argv[1] + '/lib/utils/cmd-list.js');\
        for (const k of c.commands) console.log(k + '\\t' + Object.keys(c.aliases).filter(a => c.aliases[a] === k).sort().join(' '));";
    let node = program.with_file_name("node");
    let node = if node.exists() { node } else { "node".into() };
    let out = Command::new(node)
        .args(["-e", script, &root])
        .output()
        .map_err(|e| format!("node: {e}"))?;
    let listed: Vec<String> = block(&text, "All commands:")
        .join(",")
        .split(',')
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect();
    let mut lines = Vec::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let (cmd, aliases) = l.split_once('\t').unwrap_or((l, ""));
        if !listed.iter().any(|w| w == cmd) {
            return Err(format!(
                "npm's cmd-list has `{cmd}`, which `npm help` does not list"
            ));
        }
        let aliases: Vec<String> = aliases.split_whitespace().map(str::to_string).collect();
        lines.push(with_aliases(cmd, &aliases));
    }
    if lines.len() != listed.len() {
        return Err(format!(
            "`npm help` lists {} commands, its cmd-list {}",
            listed.len(),
            lines.len()
        ));
    }
    Ok(lines)
}

/// clap's command list: `  name  About text [aliases: a, b]` (pnpm, uv).
fn clap_commands(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for l in lines {
        if !l.starts_with("  ") || l.starts_with("   ") {
            continue;
        }
        let name = first_word(l);
        let aliases: Vec<String> = l
            .rsplit_once("[alias")
            .map(|(_, a)| {
                a.trim_start_matches("es:")
                    .trim_start_matches(':')
                    .trim_end()
                    .trim_end_matches(']')
                    .split(',')
                    .map(|w| w.trim().to_string())
                    .collect()
            })
            .unwrap_or_default();
        out.push(with_aliases(&name, &aliases));
    }
    out
}

/// uv: `uv help`, then `uv <group> --help` for each command that has commands of its own.
fn uv(program: &Path, path: &[&str]) -> Result<Vec<String>, String> {
    let mut args: Vec<&str> = path.to_vec();
    args.push("--help");
    let text = help(program, &args)?;
    let mut out = Vec::new();
    for line in clap_commands(&block(&text, "Commands:")) {
        let (name, aliases) = line.split_once('\t').unwrap_or((&line, ""));
        if name == "help" && !path.is_empty() {
            continue;
        }
        let mut sub: Vec<&str> = path.to_vec();
        sub.push(name);
        let full = sub.join(" ");
        let aliases: Vec<String> = aliases.split_whitespace().map(str::to_string).collect();
        out.push(with_aliases(&full, &aliases));
        if name != "help" && path.len() < 2 {
            let sub_help = help(program, &[&sub[..], &["--help"]].concat())?;
            if sub_help.lines().any(|l| l.trim() == "Commands:") {
                out.extend(uv(program, &sub)?);
            }
        }
    }
    Ok(out)
}

/// pipx: argparse's `{a,b,...}` choices line.
fn pipx(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with('{') && l.ends_with('}'))
        .map(|l| {
            l.trim_matches(['{', '}'])
                .split(',')
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// poetry (cleo): `Available commands:`, then `  name  description` rows, namespaced rows
/// (`  self add`) under ` self` headers.
fn poetry(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut on = false;
    for l in text.lines() {
        if l.trim() == "Available commands:" {
            on = true;
            continue;
        }
        if !on || !l.starts_with("  ") || l.starts_with("   ") {
            continue;
        }
        let name = l.trim().split("  ").next().unwrap_or("").trim();
        out.push(name.to_string());
    }
    out
}

/// yarn 1: `Commands:` then `- name / camelName` rows.
fn yarn1(text: &str) -> Vec<String> {
    block(text, "Commands:")
        .iter()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .map(|l| {
            let mut names = l.split(" / ").map(str::trim);
            let name = names.next().unwrap_or("");
            let aliases: Vec<String> = names.map(str::to_string).collect();
            with_aliases(name, &aliases)
        })
        .collect()
}

/// yarn ≥ 2 (clipanion): `  yarn word word [options] <args>` rows.
fn berry(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("  yarn "))
        .map(|rest| {
            rest.split_whitespace()
                .take_while(|w| w.starts_with(|c: char| c.is_ascii_lowercase()))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// bun: `Commands:` rows with `(bun i)` aliases, then `bun pm --help`'s `bun pm <word>` rows.
fn bun(program: &Path) -> Result<Vec<String>, String> {
    let text = help(program, &["--help"])?;
    let mut out = Vec::new();
    let rows = text
        .lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| l.trim() != "Flags:");
    for l in rows {
        if !l.starts_with("  ") || l.starts_with("   ") {
            continue;
        }
        let name = first_word(l);
        if name.starts_with('<') {
            continue;
        }
        let aliases: Vec<String> = l
            .rsplit_once('(')
            .and_then(|(_, a)| a.strip_suffix(')'))
            .map(|a| {
                a.split(',')
                    .filter_map(|w| w.trim().strip_prefix("bun "))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        out.push(with_aliases(&name, &aliases));
    }
    let pm = help(program, &["pm", "--help"])?;
    for l in pm.lines() {
        if let Some(rest) = l.trim_start().strip_prefix("bun pm ") {
            out.push(format!("pm {}", first_word(rest)));
        }
    }
    Ok(out)
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [tool, program] = &args[..] else {
        eprintln!("usage: command_words <npm|pip|uv|pipx|poetry|pnpm|yarn1|berry|bun> <program>");
        std::process::exit(2);
    };
    let program = Path::new(program);
    match version(tool, program).and_then(|v| Ok((v, words(tool, program)?))) {
        Ok((v, lines)) => {
            println!("{v}");
            for l in lines {
                println!("{l}");
            }
        }
        Err(e) => {
            eprintln!("command_words: {e}");
            std::process::exit(1);
        }
    }
}
