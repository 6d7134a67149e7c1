//! The OpenAPI document. Owns loading it exactly as build.rs does (serde_yaml into
//! `openapiv3::OpenAPI`, through `yaml`, whose errors give their position),
//! JSON-pointer helpers, finding an operation's response
//! for a status, listing every place that carries a schema and examples
//! ("sites").

use std::path::Path;

use percent_encoding::percent_decode_str;
use serde_json::Value;

/// Which way a body travels; it decides how `readOnly`/`writeOnly` affect `required`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Request,
    Response,
}

/// Why a spec could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The file cannot be read (a usage error for the command).
    Io(String),
    /// The file is not an OpenAPI 3.0 document openapiv3 accepts (a finding).
    Invalid(String),
}

/// A loaded spec: the typed document build.rs hands to progenitor, and the same
/// document as JSON (serialized from the typed one) for pointer access.
#[derive(Debug, Clone)]
pub struct Spec {
    label: String,
    pub openapi: openapiv3::OpenAPI,
    pub doc: Value,
}

/// An operation as found under `paths`.
#[derive(Debug, Clone)]
pub struct OperationInfo {
    pub operation_id: Option<String>,
    pub method: String,
    pub path: String,
    /// JSON pointer of the operation object, e.g. `/paths/~1organizations~1{org_id}~1groups/get`.
    pub pointer: String,
}

/// The response object that answers one status, after following `$ref`s.
#[derive(Debug, Clone)]
pub struct ResponseInfo<'a> {
    /// The key that matched: `"404"`, `"4XX"` or `"default"`.
    pub key: String,
    /// JSON pointer of the (dereferenced) response object.
    pub pointer: String,
    pub value: &'a Value,
}

/// One example value and where it is (JSON pointer of the value itself).
#[derive(Debug, Clone)]
pub struct ExampleValue {
    pub pointer: String,
    pub value: Value,
}

/// A place with a schema: a media type, a parameter or a header.
#[derive(Debug, Clone)]
pub struct Site {
    /// JSON pointer of the object that owns `schema` (and `example`/`examples`).
    pub pointer: String,
    pub direction: Direction,
    /// The OpenAPI schema (possibly a `$ref`), if the site has one.
    pub schema: Option<Value>,
    pub examples: Vec<ExampleValue>,
}

/// Escapes one JSON-pointer segment (`~` → `~0`, `/` → `~1`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// `base` + `/` + escaped `segment`.
pub fn child(base: &str, segment: &str) -> String {
    format!("{base}/{}", escape(segment))
}

impl Spec {
    /// Reads and parses the spec; `label` is how findings name the file.
    pub fn load(path: &Path, label: impl Into<String>) -> Result<Spec, LoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError::Io(format!("cannot read {}: {e}", path.display())))?;
        Spec::from_yaml(&text, label).map_err(LoadError::Invalid)
    }

    /// Parses YAML (or JSON) text the way build.rs does; the error is one
    /// line starting with its position (see `yaml`).
    pub fn from_yaml(text: &str, label: impl Into<String>) -> Result<Spec, String> {
        let openapi = crate::yaml::parse_openapi(text)?;
        let doc =
            serde_json::to_value(&openapi).map_err(|e| format!("cannot re-serialize: {e}"))?;
        Ok(Spec {
            label: label.into(),
            openapi,
            doc,
        })
    }

    /// How findings name the spec file.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The value at a JSON pointer (`""` is the whole document).
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.doc.pointer(pointer)
    }

    /// Resolves a local `$ref` (`#/…`); `None` for external or dangling ones.
    pub fn resolve_ref(&self, reference: &str) -> Option<(String, &Value)> {
        let fragment = reference.strip_prefix('#')?;
        let pointer = percent_decode_str(fragment)
            .decode_utf8_lossy()
            .into_owned();
        self.doc.pointer(&pointer).map(|v| (pointer, v))
    }

    /// Follows `$ref`s from `value` (at `pointer`) to the object they name.
    pub fn deref<'a>(
        &'a self,
        pointer: &str,
        value: &'a Value,
    ) -> Result<(String, &'a Value), String> {
        let (mut pointer, mut value) = (pointer.to_string(), value);
        for _ in 0..32 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return Ok((pointer, value));
            };
            (pointer, value) = self
                .resolve_ref(reference)
                .ok_or_else(|| format!("unresolvable $ref \"{reference}\" at {pointer}"))?;
        }
        Err(format!("$ref cycle at {pointer}"))
    }

    /// Every operation, in document order (path items that are `$ref`s are
    /// skipped, as progenitor skips them).
    pub fn operations(&self) -> Vec<OperationInfo> {
        self.openapi
            .operations()
            .map(|(path, method, operation)| OperationInfo {
                operation_id: operation.operation_id.clone(),
                method: method.to_string(),
                path: path.to_string(),
                pointer: child(&child("/paths", path), method),
            })
            .collect()
    }

    /// The operation with this operationId.
    pub fn operation(&self, operation_id: &str) -> Option<OperationInfo> {
        self.operations()
            .into_iter()
            .find(|op| op.operation_id.as_deref() == Some(operation_id))
    }

    /// The response that answers `status`: the exact code, else `NXX`, else `default`.
    pub fn response(&self, op: &OperationInfo, status: u16) -> Result<ResponseInfo<'_>, String> {
        let responses = format!("{}/responses", op.pointer);
        let range = format!("{}XX", status / 100);
        for key in [status.to_string(), range, "default".to_string()] {
            let pointer = child(&responses, &key);
            if let Some(value) = self.get(&pointer) {
                let (pointer, value) = self.deref(&pointer, value)?;
                return Ok(ResponseInfo {
                    key,
                    pointer,
                    value,
                });
            }
        }
        let name = op.operation_id.as_deref().unwrap_or(&op.pointer);
        Err(format!(
            "the spec declares no response for status {status} of {name}"
        ))
    }

    /// Every site with a schema or examples: media types of request bodies and
    /// responses, parameters and headers, in paths (inline ones) and components.
    pub fn sites(&self) -> Vec<Site> {
        let mut sites = Vec::new();
        let empty = serde_json::Map::new();
        let obj = |p: &str| self.get(p).and_then(Value::as_object).unwrap_or(&empty);
        for (path, item) in self.openapi.paths.iter() {
            if item.as_item().is_some() {
                let item_ptr = child("/paths", path);
                self.parameter_sites(&child(&item_ptr, "parameters"), &mut sites);
            }
        }
        for op in self.operations() {
            let op_ptr = op.pointer;
            self.parameter_sites(&child(&op_ptr, "parameters"), &mut sites);
            self.body_sites(
                &child(&op_ptr, "requestBody"),
                Direction::Request,
                &mut sites,
            );
            for (code, _) in obj(&child(&op_ptr, "responses")) {
                let resp_ptr = child(&child(&op_ptr, "responses"), code);
                self.body_sites(&resp_ptr, Direction::Response, &mut sites);
            }
        }
        for (name, _) in obj("/components/parameters") {
            let p = child("/components/parameters", name);
            self.param_site(&p, Direction::Request, &mut sites);
        }
        for (name, _) in obj("/components/requestBodies") {
            let p = child("/components/requestBodies", name);
            self.body_sites(&p, Direction::Request, &mut sites);
        }
        for (name, _) in obj("/components/responses") {
            let p = child("/components/responses", name);
            self.body_sites(&p, Direction::Response, &mut sites);
        }
        for (name, _) in obj("/components/headers") {
            let p = child("/components/headers", name);
            self.param_site(&p, Direction::Response, &mut sites);
        }
        sites
    }

    fn parameter_sites(&self, list_ptr: &str, sites: &mut Vec<Site>) {
        let count = self
            .get(list_ptr)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        for i in 0..count {
            self.param_site(&format!("{list_ptr}/{i}"), Direction::Request, sites);
        }
    }

    /// A parameter or header: its own schema and examples, or its `content`.
    fn param_site(&self, pointer: &str, direction: Direction, sites: &mut Vec<Site>) {
        let Some(value) = self.get(pointer) else {
            return;
        };
        if value.get("$ref").is_some() {
            return; // checked where it is defined, in components
        }
        self.push_site(pointer, direction, sites);
        self.content_sites(&child(pointer, "content"), direction, sites);
    }

    /// A request body or response: its media types (and a response's headers).
    fn body_sites(&self, pointer: &str, direction: Direction, sites: &mut Vec<Site>) {
        let Some(value) = self.get(pointer) else {
            return;
        };
        if value.get("$ref").is_some() {
            return; // checked where it is defined, in components
        }
        self.content_sites(&child(pointer, "content"), direction, sites);
        if let Some(headers) = value.get("headers").and_then(Value::as_object) {
            for name in headers.keys() {
                let p = child(&child(pointer, "headers"), name);
                self.param_site(&p, Direction::Response, sites);
            }
        }
    }

    fn content_sites(&self, pointer: &str, direction: Direction, sites: &mut Vec<Site>) {
        if let Some(content) = self.get(pointer).and_then(Value::as_object) {
            for media_type in content.keys() {
                self.push_site(&child(pointer, media_type), direction, sites);
            }
        }
    }

    fn push_site(&self, pointer: &str, direction: Direction, sites: &mut Vec<Site>) {
        let Some(holder) = self.get(pointer) else {
            return;
        };
        let mut examples = Vec::new();
        if let Some(value) = holder.get("example") {
            examples.push(ExampleValue {
                pointer: child(pointer, "example"),
                value: value.clone(),
            });
        }
        if let Some(named) = holder.get("examples").and_then(Value::as_object) {
            for (name, example) in named {
                let p = child(&child(pointer, "examples"), name);
                // A dangling $ref is reported by `check_structure`.
                let Ok((p, example)) = self.deref(&p, example) else {
                    continue;
                };
                if let Some(value) = example.get("value") {
                    examples.push(ExampleValue {
                        pointer: child(&p, "value"),
                        value: value.clone(),
                    });
                }
            }
        }
        let schema = holder.get("schema").cloned();
        if schema.is_some() || !examples.is_empty() {
            sites.push(Site {
                pointer: pointer.to_string(),
                direction,
                schema,
                examples,
            });
        }
    }
}
