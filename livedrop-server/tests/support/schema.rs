//! Real answers checked against the OpenAPI document's schemas, twice over:
//! - by the `jsonschema` crate, draft 2020-12 with formats asserted: types, formats,
//!   lengths, patterns, bounds, `required`, `enum`, `oneOf`;
//! - by the walk below, for what a schema does not say but the tests want: an object's
//!   members the schema does not name are reported unless it allows extra members (JSON
//!   Schema admits them by default), so a field renamed on one side only fails. It follows
//!   `$ref`, `allOf` (whose parts together name the members), `oneOf`/`anyOf`, `items` and
//!   `properties`, and checks `type`, `enum` and `required` on the way.

use serde_json::{Value, json};

/// Every mismatch between `value` and `schema` (empty when it conforms), each with its JSON
/// path. `doc` resolves `$ref`s.
pub fn mismatches(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut found = validated(doc, schema, value);
    check(doc, schema, value, "$", &mut found, true);
    found
}

/// What the `jsonschema` crate finds: `schema` as a draft 2020-12 schema whose `$ref`s
/// resolve in the document's components.
fn validated(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    });
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|error| panic!("the document's schema does not load: {error}"));
    validator
        .iter_errors(value)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

/// The 200/201 schema of an operation.
pub fn success_schema<'d>(doc: &'d Value, method: &str, path: &str) -> &'d Value {
    let responses = &doc["paths"][path][method]["responses"];
    let success = responses
        .get("200")
        .or_else(|| responses.get("201"))
        .unwrap_or_else(|| panic!("{method} {path} has no success response"));
    &success["content"]["application/json"]["schema"]
}

pub fn assert_conforms(doc: &Value, method: &str, path: &str, body: &Value) {
    let schema = success_schema(doc, method, path);
    let found = mismatches(doc, schema, body);
    assert!(found.is_empty(), "{method} {path}: {found:#?}\n{body:#}");
}

/// The names of an object schema's properties, following `$ref` and `allOf` (flattened
/// structs are `allOf`s of their parts).
fn property_names(doc: &Value, schema: &Value) -> Option<Vec<String>> {
    let schema = resolve(doc, schema);
    if let Some(parts) = schema["allOf"].as_array() {
        let mut names = Vec::new();
        for part in parts {
            names.extend(property_names(doc, part)?);
        }
        return Some(names);
    }
    if schema
        .get("additionalProperties")
        .is_some_and(|extra| extra != false)
    {
        return None;
    }
    if let Some(alternatives) = schema["oneOf"].as_array() {
        // An adjacently tagged enum: any alternative's names.
        let mut names = Vec::new();
        for alternative in alternatives {
            names.extend(property_names(doc, alternative)?);
        }
        return Some(names);
    }
    Some(
        schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default(),
    )
}

fn resolve<'d>(doc: &'d Value, schema: &'d Value) -> &'d Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            let target = doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("unresolved $ref {reference}"));
            resolve(doc, target)
        }
        None => schema,
    }
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    }
}

/// With `closed`, members no property names are mismatches; a part of an `allOf` is
/// checked open, and the whole against all parts' names.
fn check(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    found: &mut Vec<String>,
    closed: bool,
) {
    let schema = resolve(doc, schema);
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            check(doc, part, value, at, found, false);
        }
        if closed {
            check_unnamed(doc, schema, value, at, found);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alternatives) = schema[key].as_array() {
            let fits = alternatives
                .iter()
                .filter(|alternative| {
                    let mut misses = Vec::new();
                    check(doc, alternative, value, at, &mut misses, closed);
                    misses.is_empty()
                })
                .count();
            if fits == 0 || (key == "oneOf" && fits > 1) {
                found.push(format!("{at}: {fits} alternatives of {key} fit {value}"));
            }
        }
    }
    check_members(doc, schema, value, at, found);
    if closed && schema.get("properties").is_some() {
        check_unnamed(doc, schema, value, at, found);
    }
}

/// `type`, `enum`, `required`, and each named member and array item.
fn check_members(doc: &Value, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| type_matches(t, value)) {
        found.push(format!("{at}: {value} is not {types:?}"));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        found.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(items) = schema.get("items")
        && let Some(elements) = value.as_array()
    {
        for (i, element) in elements.iter().enumerate() {
            check(doc, items, element, &format!("{at}[{i}]"), found, true);
        }
    }
    let Some(object) = value.as_object() else {
        return;
    };
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        if !object.contains_key(name) {
            found.push(format!("{at}: required member {name:?} is missing"));
        }
    }
    if let Some(properties) = schema["properties"].as_object() {
        for (name, member) in object {
            if let Some(property) = properties.get(name) {
                check(doc, property, member, &format!("{at}.{name}"), found, true);
            }
        }
    }
}

/// Members of `value` no property of `schema` names.
fn check_unnamed(doc: &Value, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let (Some(object), Some(names)) = (value.as_object(), property_names(doc, schema)) else {
        return;
    };
    for name in object.keys() {
        if !names.contains(name) {
            found.push(format!("{at}: member {name:?} is not in the schema"));
        }
    }
}

/// The HTTP methods an OpenAPI path item may hold operations under.
const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

/// Every `(METHOD, path)` operation of the document.
pub fn operations(doc: &Value) -> std::collections::BTreeSet<(String, String)> {
    let mut found = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("the document's paths") {
        for method in METHODS {
            if item.get(*method).is_some() {
                found.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    found
}
