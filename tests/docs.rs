//! The docs say what the program does: the example config's `[keys]` defaults, the README's
//! keys table and the man page are checked against the keymap, the path functions and the
//! environment variables the code reads.

use shiftlead::app::keymap::{Action, KeySpec};
use std::collections::BTreeMap;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every action's config name and default keys, from the keymap.
fn defaults() -> BTreeMap<&'static str, Vec<String>> {
    Action::ALL
        .iter()
        .map(|(_, name, _, keys)| (*name, keys.iter().map(|k| k.to_string()).collect()))
        .collect()
}

/// `name = "k"` and `name = ["a", "b"]` pairs in `text`, in order.
fn assignments(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(eq) = rest.find(" = ") {
        let name: String = rest[..eq]
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let value = &rest[eq + 3..];
        let (keys, used) = if let Some(list) = value.strip_prefix('[') {
            let end = list.find(']').expect("a closed list");
            let keys = list[..end]
                .split(',')
                .map(|k| k.trim().trim_matches('"').to_owned())
                .collect();
            (keys, end + 2)
        } else if let Some(one) = value.strip_prefix('"') {
            let end = one.find('"').expect("a closed string");
            (vec![one[..end].to_owned()], end + 2)
        } else {
            panic!("unexpected value after {name} = in {value:?}")
        };
        out.push((name, keys));
        rest = &value[used..];
    }
    out
}

#[test]
fn the_example_config_lists_every_action_with_its_default_keys() {
    let text = read("config.example.toml");
    let start = text.find("\n[keys]\n").expect("a [keys] section");
    // The defaults are the indented comment lines ("#   name = …") of the section.
    let block: String = text[start + 1..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("#   "))
        .collect::<Vec<_>>()
        .join("\n");
    let listed = assignments(&block);
    let mut seen = BTreeMap::new();
    for (name, keys) in &listed {
        assert!(
            seen.insert(name.as_str(), keys.clone()).is_none(),
            "{name} is listed twice"
        );
    }
    let want = defaults();
    let missing: Vec<&&str> = want.keys().filter(|n| !seen.contains_key(**n)).collect();
    assert!(
        missing.is_empty(),
        "config.example.toml [keys] omits {missing:?}"
    );
    for (name, keys) in &seen {
        let Some(default) = want.get(name) else {
            panic!("config.example.toml [keys] lists {name}, which is no action")
        };
        assert_eq!(keys, default, "the default keys of {name}");
    }
}

/// The README's keys table: (`[keys]` name, keys as shown).
fn readme_keys() -> Vec<(String, Vec<String>)> {
    let text = read("README.md");
    let start = text.find("\n## Keys\n").expect("a Keys section");
    let table: Vec<&str> = text[start..]
        .lines()
        .skip_while(|l| !l.starts_with("| key |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(!table.is_empty(), "the Keys section has a table");
    table
        .iter()
        .map(|row| {
            let cells: Vec<&str> = row.split(" | ").collect();
            let keys = cells[0]
                .trim_start_matches('|')
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect();
            let name = cells.get(1).expect("a name column").trim_matches('`');
            (name.to_owned(), keys)
        })
        .collect()
}

#[test]
fn the_readme_keys_table_lists_every_action_with_its_default_keys() {
    let rows = readme_keys();
    let want = defaults();
    for (name, default) in &want {
        let shown: Vec<String> = default
            .iter()
            .map(|k| KeySpec::parse(k).unwrap().to_string())
            .collect();
        let found: Vec<&(String, Vec<String>)> = rows.iter().filter(|(n, _)| n == name).collect();
        match found.as_slice() {
            [(_, keys)] => assert_eq!(keys, &shown, "README keys of {name}"),
            [] => panic!("the README's keys table has no row for {name} ({shown:?})"),
            _ => panic!("the README's keys table has {name} twice"),
        }
    }
    for (name, _) in &rows {
        assert!(
            want.contains_key(name.as_str()),
            "README row {name} is no action"
        );
    }
}

fn man_page() -> String {
    let mut out = Vec::new();
    shiftlead::cli::man(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The text of one `.SH NAME` section, roff escapes undone.
fn section(page: &str, name: &str) -> String {
    let head = format!(".SH {name}\n");
    let start = page
        .find(&head)
        .unwrap_or_else(|| panic!("the man page has no {name} section"));
    let body = &page[start + head.len()..];
    let end = body.find("\n.SH ").unwrap_or(body.len());
    body[..end]
        .replace("\\-", "-")
        .replace("\\e", "\\")
        .replace("\\&", "")
}

#[test]
fn the_man_page_has_every_key() {
    let keys = section(&man_page(), "KEYS");
    for (_, name, what, default) in Action::ALL {
        let shown: Vec<String> = default
            .iter()
            .map(|k| format!("\\fB{}\\fR", KeySpec::parse(k).unwrap()))
            .collect();
        let entry = format!(".TP\n{}\n", shown.join(", "));
        let at = keys
            .find(&entry)
            .unwrap_or_else(|| panic!("KEYS has no entry {entry:?} for {name}"));
        let line = keys[at + entry.len()..].lines().next().unwrap_or_default();
        assert!(
            line.contains(&format!("(\\fI{name}\\fR)"))
                && line.starts_with(&what[..what.len().min(10)]),
            "{name}: {line}"
        );
    }
}

#[test]
fn the_man_page_names_the_files_from_the_path_functions() {
    let files = section(&man_page(), "FILES");
    let paths = [
        shiftlead::config::default_path(),
        shiftlead::audit::Audit::default_path(),
        shiftlead::state::blocks_path(),
        shiftlead::logging::log_dir().map(|d| d.join("shiftlead.log")),
        shiftlead::state::data_dir(),
    ];
    for p in paths {
        let p = p.expect("this platform has the dirs").display().to_string();
        assert!(
            files.contains(&format!("\\fI{p}\\fR")),
            "FILES lacks {p}:\n{files}"
        );
    }
}

/// Every `SHIFTLEAD_*` name in the sources (tests' own variables aside).
fn variables_in_the_code() -> std::collections::BTreeSet<String> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("src"), &mut files);
    let mut vars = std::collections::BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("SHIFTLEAD_") {
            let name: String = rest[at..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            rest = &rest[at + name.len()..];
            if !name.starts_with("SHIFTLEAD_TEST_") && !name.ends_with('_') {
                vars.insert(name);
            }
        }
    }
    vars
}

#[test]
fn the_man_page_names_every_environment_variable_the_program_reads() {
    let env = section(&man_page(), "ENVIRONMENT");
    let mut want = variables_in_the_code();
    assert!(
        want.contains("SHIFTLEAD_CONFIG") && want.contains("SHIFTLEAD_LOG"),
        "{want:?}"
    );
    want.insert("NO_COLOR".into());
    for name in shiftlead::backend::Vendor::names() {
        let v = shiftlead::backend::Vendor::by_name(name).unwrap();
        want.insert(v.token_env().to_owned());
    }
    for name in want {
        assert!(
            env.contains(&format!(".TP\n\\fB{name}\\fR\n")),
            "ENVIRONMENT lacks {name}:\n{env}"
        );
    }
}

#[test]
fn the_man_page_refers_only_to_pages_that_exist() {
    let page = man_page().replace("\\-", "-");
    // Every `name(N)` reference: the only page generated is shiftlead(1) itself.
    let mut refs = Vec::new();
    let bytes = page.as_bytes();
    for (at, _) in page.match_indices('(') {
        let digit = bytes.get(at + 1).is_some_and(u8::is_ascii_digit);
        if digit && bytes.get(at + 2) == Some(&b')') {
            let name: String = page[..at]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if !name.is_empty() {
                refs.push(format!("{name}({})", bytes[at + 1] as char));
            }
        }
    }
    let generated = ["shiftlead(1)"];
    let strays: Vec<&String> = refs
        .iter()
        .filter(|r| !generated.contains(&r.as_str()))
        .collect();
    assert!(
        strays.is_empty(),
        "the man page refers to pages never generated: {strays:?}"
    );
}
