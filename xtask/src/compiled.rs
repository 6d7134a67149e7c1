//! The compiled schemas of one direction. Owns building one JSON Schema 2020-12
//! document per direction (every component schema under `$defs/<Name>`, every
//! site's schema under `$defs/@<n>`), compiling every subschema of it with
//! `jsonschema` (offline: no resolver can fetch anything), and looking up
//! validators and schema nodes by URI-fragment pointer.

use std::collections::HashMap;

use jsonschema::{Draft, Validator, ValidatorMap};
use serde_json::{Map, Value, json};

use crate::convert::{Converter, SchemaExample};
use crate::report::Finding;
use crate::spec::{Direction, Site, Spec, child};

/// One direction's JSON Schema document and its validators.
pub struct SchemaSet {
    /// The JSON Schema document (`{"$defs": {...}}`).
    pub doc: Value,
    map: Result<ValidatorMap, String>,
    /// Site pointer in the spec → pointer (`#/$defs/@n`) of its converted schema.
    targets: HashMap<String, String>,
    /// Examples and defaults found inside the converted schemas.
    pub examples: Vec<SchemaExample>,
    /// Conversion problems (schema `$ref`s progenitor cannot follow).
    pub problems: Vec<Finding>,
}

/// The options every validator is built with.
pub fn options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
}

impl SchemaSet {
    /// Converts the component schemas and the schemas of the sites going in
    /// `direction`, and compiles them. Component-schema examples are collected
    /// only for responses, so each is validated once.
    pub fn build(spec: &Spec, direction: Direction, sites: &[Site]) -> SchemaSet {
        let mut converter = Converter::new(spec, direction);
        let mut defs = Map::new();
        converter.collect_examples = direction == Direction::Response;
        if let Some(schemas) = spec.get("/components/schemas").and_then(Value::as_object) {
            for (name, schema) in schemas {
                let spec_ptr = child("/components/schemas", name);
                let out_ptr = child("#/$defs", name);
                defs.insert(name.clone(), converter.convert(schema, &spec_ptr, &out_ptr));
            }
        }
        converter.collect_examples = true;
        let mut targets = HashMap::new();
        for site in sites.iter().filter(|s| s.direction == direction) {
            let Some(schema) = &site.schema else { continue };
            let key = format!("@{}", targets.len());
            let out_ptr = child("#/$defs", &key);
            let converted = converter.convert(schema, &child(&site.pointer, "schema"), &out_ptr);
            defs.insert(key, converted);
            targets.insert(site.pointer.clone(), out_ptr);
        }
        let doc = json!({ "$defs": Value::Object(defs) });
        let map = options().build_map(&doc).map_err(|e| e.to_string());
        SchemaSet {
            doc,
            map,
            targets,
            examples: converter.examples,
            problems: converter.problems,
        }
    }

    /// The pointer of the converted schema of the site at `site_pointer`.
    pub fn target(&self, site_pointer: &str) -> Option<&str> {
        self.targets.get(site_pointer).map(String::as_str)
    }

    /// The converted schema node at a `#/…` pointer.
    pub fn node(&self, pointer: &str) -> Option<&Value> {
        self.doc
            .pointer(pointer.strip_prefix('#').unwrap_or(pointer))
    }

    /// The validator of the subschema at a `#/…` pointer, if it compiled.
    pub fn validator(&self, pointer: &str) -> Option<&Validator> {
        self.map.as_ref().ok()?.get(pointer)
    }

    /// Why the subschema at `pointer` has no validator.
    pub fn compile_error(&self, pointer: &str) -> String {
        if let Err(e) = &self.map {
            return format!("the JSON Schema document does not compile: {e}");
        }
        let mut doc = self.doc.clone();
        doc["$ref"] = json!(pointer);
        match options().build(&doc) {
            // Name components the way the spec does, not by their place in `$defs`.
            Err(e) => format!(
                "its schema does not compile: {}",
                e.to_string().replace("/$defs/", "/components/schemas/")
            ),
            Ok(_) => {
                format!("its schema (at {pointer} of the converted document) has no validator")
            }
        }
    }
}
