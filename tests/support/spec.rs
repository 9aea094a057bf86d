//! A validator for the subset of OpenAPI 3.0 schemas the vendor specs use: `$ref`, `type`,
//! `properties`, `required`, `items`, `nullable`, `enum`, `oneOf`/`anyOf`/`allOf`,
//! `additionalProperties`. Reads the vendored YAML from `../shared/specs` (beside the project).
//!
//! `oneOf` is checked as "at least one branch": the Intercom spec has overlapping branches
//! (e.g. the search `value` arrays) that strict JSON-Schema `oneOf` would reject.

#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;

/// A loaded OpenAPI document.
pub struct Spec {
    doc: Value,
}

fn specs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/specs")
}

impl Spec {
    fn load(rel: &str) -> Option<Spec> {
        let path = specs_dir().join(rel);
        let text = std::fs::read_to_string(&path).ok();
        let what = format!("{} (the vendored specs in ../shared/specs)", path.display());
        if !super::require(&what, text.is_some()) {
            return None;
        }
        let text = text?;
        let doc: Value = serde_norway::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()));
        Some(Spec { doc })
    }

    /// Intercom REST API 2.16.
    pub fn load_intercom() -> Option<Spec> {
        Self::load("intercom/2.16/api.intercom.io.yaml")
    }

    /// Zendesk Support (`openapi-src.yaml`). Its one YAML quirk, a bare `=` scalar (PyYAML
    /// reads it as the `value` tag), is quoted first if the parser refuses it.
    pub fn load_zendesk() -> Option<Spec> {
        let path = specs_dir().join("zendesk/openapi-src.yaml");
        let text = std::fs::read_to_string(&path).ok();
        let what = format!("{} (the vendored specs in ../shared/specs)", path.display());
        if !super::require(&what, text.is_some()) {
            return None;
        }
        let text = text?;
        let doc: Value = match serde_norway::from_str(&text) {
            Ok(doc) => doc,
            Err(_) => {
                let quoted: String = text
                    .lines()
                    .map(|l| match l.trim_end().strip_suffix(": =") {
                        Some(head) => format!("{head}: \"=\"\n"),
                        None => format!("{l}\n"),
                    })
                    .collect();
                serde_norway::from_str(&quoted)
                    .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()))
            }
        };
        Some(Spec { doc })
    }

    /// Marks `fields` of component schema `schema` nullable: the published spec leaves out
    /// `nullable` where Zendesk sends `null` (e.g. an unassigned ticket's `assignee_id`).
    pub fn allow_null(&mut self, schema: &str, fields: &[&str]) {
        for f in fields {
            if let Some(p) = self
                .doc
                .pointer_mut(&format!("/components/schemas/{schema}/properties/{f}"))
                .and_then(Value::as_object_mut)
            {
                p.insert("nullable".into(), Value::Bool(true));
            }
        }
    }

    /// Intercom Preview (team-membership writes).
    pub fn load_preview() -> Option<Spec> {
        Self::load("intercom/0/api.intercom.io.yaml")
    }

    fn operation(&self, method: &str, path: &str) -> Result<&Value, String> {
        self.doc
            .get("paths")
            .and_then(|p| p.get(path))
            .and_then(|p| p.get(method.to_ascii_lowercase()))
            .ok_or_else(|| format!("spec has no {method} {path}"))
    }

    /// Validates a response body against the schema of `method path` for `status`.
    pub fn validate_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let op = self.operation(method, path).map_err(|e| vec![e])?;
        let schema = op
            .get("responses")
            .and_then(|r| r.get(status.to_string()))
            .and_then(|r| r.get("content"))
            .and_then(|c| c.get("application/json"))
            .and_then(|c| c.get("schema"))
            .ok_or_else(|| {
                vec![format!(
                    "spec has no JSON schema for {method} {path} {status}"
                )]
            })?;
        self.validate(schema, body)
    }

    /// Validates a request body against the schema of `method path`.
    pub fn validate_request(
        &self,
        method: &str,
        path: &str,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let op = self.operation(method, path).map_err(|e| vec![e])?;
        let schema = op
            .get("requestBody")
            .and_then(|r| r.get("content"))
            .and_then(|c| c.get("application/json"))
            .and_then(|c| c.get("schema"))
            .ok_or_else(|| vec![format!("spec has no request schema for {method} {path}")])?;
        self.validate(schema, body)
    }

    /// The response examples of `method path` for `status`.
    pub fn response_examples(&self, method: &str, path: &str, status: u16) -> Vec<Value> {
        let Ok(op) = self.operation(method, path) else {
            return Vec::new();
        };
        op.get("responses")
            .and_then(|r| r.get(status.to_string()))
            .and_then(|r| r.get("content"))
            .and_then(|c| c.get("application/json"))
            .and_then(|c| c.get("examples"))
            .and_then(Value::as_object)
            .map(|m| {
                m.values()
                    .filter_map(|e| self.resolve(e).get("value").cloned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Validates `value` against `schema`; every mismatch is reported with its JSON path.
    pub fn validate(&self, schema: &Value, value: &Value) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        self.check(schema, value, "$", &mut errors, 0);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut s = schema;
        for _ in 0..32 {
            let Some(r) = s.get("$ref").and_then(Value::as_str) else {
                return s;
            };
            let Some(ptr) = r.strip_prefix('#') else {
                return s;
            };
            match self.doc.pointer(ptr) {
                Some(t) => s = t,
                None => return s,
            }
        }
        s
    }

    fn check(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        errors: &mut Vec<String>,
        depth: usize,
    ) {
        if depth > 64 {
            return;
        }
        // Siblings of `$ref` (notably `nullable`) are honoured, as the spec's authors intend.
        let nullable_here = schema
            .get("nullable")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let s = self.resolve(schema);
        let nullable = nullable_here || s.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        if value.is_null() {
            if !nullable && (s.get("type").is_some() || s.get("properties").is_some()) {
                errors.push(format!("{at}: null where the schema is not nullable"));
            }
            return;
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for sub in all {
                self.check(sub, value, at, errors, depth + 1);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = s.get(key).and_then(Value::as_array) {
                let ok = branches.iter().any(|b| {
                    let mut e = Vec::new();
                    self.check(b, value, at, &mut e, depth + 1);
                    e.is_empty()
                });
                if !ok {
                    errors.push(format!("{at}: matches no branch of {key}"));
                }
            }
        }
        if let Some(t) = s.get("type").and_then(Value::as_str) {
            let fits = match t {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string(),
                "boolean" => value.is_boolean(),
                "integer" => value.as_i64().is_some() || value.as_u64().is_some(),
                "number" => value.is_number(),
                _ => true,
            };
            if !fits {
                errors.push(format!("{at}: expected {t}, got {value}"));
                return;
            }
        }
        if let Some(options) = s.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            errors.push(format!("{at}: {value} is not one of {options:?}"));
        }
        if s.get("format").and_then(Value::as_str) == Some("uuid")
            && let Some(text) = value.as_str()
            && !is_uuid(text)
        {
            errors.push(format!("{at}: {text:?} is not a uuid"));
        }
        if let Value::Object(map) = value {
            let props = s.get("properties").and_then(Value::as_object);
            if let Some(required) = s.get("required").and_then(Value::as_array) {
                for r in required.iter().filter_map(Value::as_str) {
                    if !map.contains_key(r) {
                        errors.push(format!("{at}: missing required {r}"));
                    }
                }
            }
            for (k, v) in map {
                match props.and_then(|p| p.get(k)) {
                    Some(sub) => self.check(sub, v, &format!("{at}.{k}"), errors, depth + 1),
                    None => match s.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            errors.push(format!("{at}: unexpected property {k}"))
                        }
                        Some(extra @ Value::Object(_)) => {
                            self.check(extra, v, &format!("{at}.{k}"), errors, depth + 1)
                        }
                        _ => {}
                    },
                }
            }
        }
        if let (Value::Array(items), Some(item_schema)) = (value, s.get("items")) {
            for (n, item) in items.iter().enumerate() {
                self.check(item_schema, item, &format!("{at}[{n}]"), errors, depth + 1);
            }
        }
    }
}

/// `8-4-4-4-12` hexadecimal digits, as JSON Schema's `format: uuid`.
pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}
