//! Arbitrary and mutated TOML fed to the config loader: it returns a config or an error naming
//! the file — never a panic — and whatever it accepts yields a policy, keymap and theme (or a
//! clear error) without panicking either.

use proptest::prelude::*;
use shiftlead::app::keymap::Keymap;
use shiftlead::config;
use shiftlead::ui::theme::Theme;
use std::path::Path;

const EXAMPLE: &str = include_str!("../config.example.toml");

/// Keys the loader knows, so generated documents reach past the first table.
const KEYS: &[&str] = &[
    "kind",
    "region",
    "base_url",
    "token_env",
    "token_command",
    "timeout",
    "seed",
    "faults",
    "default",
    "teammates",
    "refresh",
    "warn_under",
    "monochrome",
    "idle_after",
    "privacy",
    "name",
    "colors",
    "bad",
    "down",
    "assign",
    "quit",
    "time_zone",
    "first_reply",
    "next_reply",
    "priority",
    "order",
];
const TABLES: &[&str] = &[
    "backend",
    "caps",
    "caps.teammates",
    "ui",
    "theme",
    "theme.colors",
    "keys",
    "[sla]",
    "teammates.\"ana@example.com\"",
    "nonsense",
];

/// Pieces of text that trip byte-offset arithmetic, and some TOML to reach past parsing.
const PIECES: &[&str] = &[
    "\r\n",
    "\r",
    "\n",
    "Zoë",
    "🎉",
    "☕",
    "é",
    "\"",
    " = ",
    "[ui]",
    "[theme.colors]",
    "[keys]",
    "refresh",
    "name",
    "#",
];

/// Text full of CRLF line ends, multibyte characters and TOML punctuation.
fn crlf_multibyte_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(PIECES).prop_map(str::to_owned),
            "\\PC{0,4}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        any::<bool>().prop_map(|b| b.to_string()),
        "[a-z0-9 :/._#-]{0,12}".prop_map(|s| format!("{s:?}")),
        prop::collection::vec("[a-z0-9-]{0,6}", 0..4).prop_map(|v| format!("{v:?}")),
        Just("\"\"".to_owned()),
        Just("\"-5s\"".to_owned()),
        Just("\"99999999999h\"".to_owned()),
        Just("\"ctrl-\"".to_owned()),
        Just("\"#zzzzzz\"".to_owned()),
        Just("{ a = 1 }".to_owned()),
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(TABLES),
            prop::collection::vec((prop::sample::select(KEYS), toml_value()), 0..5),
        ),
        0..5,
    )
    .prop_map(|tables| {
        let mut out = String::new();
        for (table, entries) in tables {
            if let Some(array) = table.strip_prefix('[') {
                out.push_str(&format!("[[{}\n", array));
            } else {
                out.push_str(&format!("[{table}]\n"));
            }
            for (k, v) in entries {
                out.push_str(&format!("{k} = {v}\n"));
            }
        }
        out
    })
}

fn load_everything(text: &str) {
    let path = Path::new("fuzz.toml");
    match config::parse(text, path) {
        Ok((c, _warnings)) => {
            let _ = c.policy();
            let _ = Keymap::from_config(&c.keys)
                .map_err(|(a, e)| config::locate(&c, text, path, &format!("keys.{a}"), e));
            let _ = Theme::from_config(&c.theme, false)
                .map_err(|(k, e)| config::locate(&c, text, path, &k, e).to_string());
            let _ = Theme::from_config(&c.theme, true);
            let _ = c.coverage();
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains("fuzz.toml"), "errors name the file: {msg}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics_the_loader(text in "\\PC{0,200}") {
        load_everything(&text);
    }

    #[test]
    fn crlf_and_multibyte_text_never_panics_the_loader(text in crlf_multibyte_text()) {
        load_everything(&text);
    }

    #[test]
    fn generated_crlf_documents_with_multibyte_values_never_panic_the_loader(
        text in document(),
        accent in prop::sample::select(&["Zoë", "🎉", "日本", "é"][..]),
    ) {
        let text = text.replace('\n', "\r\n").replace("a", accent);
        load_everything(&text);
    }

    #[test]
    fn generated_documents_never_panic_the_loader(text in document()) {
        load_everything(&text);
    }

    #[test]
    fn mutated_example_lines_never_panic_the_loader(
        line in 0usize..200,
        replacement in toml_value(),
        cut in 0usize..80,
    ) {
        let lines: Vec<&str> = EXAMPLE.lines().collect();
        let n = line % lines.len();
        let mut mutated: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        let target = mutated[n].trim_start_matches('#').trim_start().to_owned();
        mutated[n] = match target.split_once('=') {
            Some((k, _)) => format!("{k}= {replacement}"),
            None => target.chars().take(cut).collect(),
        };
        load_everything(&mutated.join("\n"));
    }
}
