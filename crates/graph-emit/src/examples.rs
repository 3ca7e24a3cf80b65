//! Emits `tests/examples.rs`: for every example of every operation, round-trip tests of its JSON bodies
//! through the typed models and a test that sends it through the builders to a wiremock server.
//!
//! An example that cannot be turned into a test (no JSON body, a path the operation does not have, an
//! error status) gets a comment in the generated file saying why, never a silent gap.

use percent_encoding::percent_decode_str;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::{Map, Value};

use graph_ir::{Example, Operation, RequestBody, TypeKind, TypeRef};

use crate::calls;
use crate::catalog::{self, Catalog, Field, RustPrimitive};
use crate::fit;
use crate::format::raw_str;
use crate::naming::{self, Scope};
use crate::paths::{self, call_format, segment_keys, PathPlan, ResponseShape, SegKey};

/// What the tests of one version need.
pub struct VersionTests<'p, 'a> {
    pub module: proc_macro2::Ident,
    pub catalog: &'p Catalog<'a>,
    pub plan: &'p PathPlan<'a>,
    pub operations: Vec<&'a Operation>,
}

/// The generated tests: shared helpers, then one item per example (its JSON consts and tests).
pub struct Tests {
    pub helpers: TokenStream,
    pub items: Vec<TestItem>,
    /// Comments the items refer to by [`crate::format::comment`] markers.
    pub comments: Vec<String>,
}

/// The tests of one example.
pub struct TestItem {
    /// The version module (`beta`) the example's operation belongs to.
    pub version_module: String,
    /// The words of the operation's first path, for grouping into area modules.
    pub words: Vec<String>,
    /// The page the operation came from.
    pub sources: Vec<String>,
    pub tokens: TokenStream,
}

/// Builds the tests of every version; `crate_ident` is the emitted crate's name as a Rust path.
pub fn tests(crate_ident: &proc_macro2::Ident, versions: &[VersionTests<'_, '_>]) -> Tests {
    let mut items = Vec::new();
    let mut uses = HelperUses::default();
    let mut comments = Vec::new();
    for version in versions {
        let models = {
            let module = &version.module;
            quote!(#crate_ident::#module::models::)
        };
        let mut names = Scope::default();
        for op in &version.operations {
            if op.examples.is_empty() {
                continue;
            }
            let sources: Vec<String> =
                op.sources.first().map(|span| span.file.to_string()).into_iter().collect();
            let words: Vec<String> = op
                .paths
                .first()
                .map(|path| segment_keys(path).iter().map(paths::key_word).collect())
                .unwrap_or_default();
            let op_snake = names.claim(naming::unraw(&naming::snake_name(&op.name)));
            for (index, example) in op.examples.iter().enumerate() {
                let number = index + 1;
                let context = ExampleContext {
                    version,
                    op,
                    example,
                    models: &models,
                    crate_ident,
                    op_snake: &op_snake,
                    number,
                };
                let mut out = context.tests(&mut comments);
                let mut tokens = version.plan.op_marker(op);
                tokens.extend(out.tokens);
                out.tokens = tokens;
                uses.add(out.uses);
                items.push(TestItem {
                    version_module: version.module.to_string(),
                    words: words.clone(),
                    sources: sources.clone(),
                    tokens: out.tokens,
                });
            }
        }
    }
    Tests { helpers: helpers(uses), items, comments }
}

struct ExampleContext<'c, 'p, 'a> {
    version: &'c VersionTests<'p, 'a>,
    op: &'a Operation,
    example: &'a Example,
    models: &'c TokenStream,
    crate_ident: &'c proc_macro2::Ident,
    op_snake: &'c str,
    number: usize,
}

/// Which of an example's bodies a test reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

struct ExampleTests {
    tokens: TokenStream,
    uses: HelperUses,
}

/// Which shared test helpers the tests call: the helpers file holds only those (an unused helper
/// would be a warning).
#[derive(Debug, Clone, Copy, Default)]
struct HelperUses {
    /// `assert_round_trip`.
    round_trip: bool,
    /// `Exchange` (every mock-server test).
    mock: bool,
    /// `example`: a documented JSON body read into its model.
    decode: bool,
    /// `Exchange::assert_answered`: a response compared with the documented one.
    answer: bool,
    /// `Exchange::assert_raw`: a stream compared byte for byte with the body served.
    raw: bool,
    /// `Exchange::assert_no_content`.
    no_content: bool,
    /// `Exchange::assert_aliases`: a function's arguments sent by alias in the query.
    aliases: bool,
    /// `assert_declared_read`: an example's declared members read into their fields.
    declared: bool,
}

impl HelperUses {
    fn add(&mut self, other: HelperUses) {
        self.round_trip |= other.round_trip;
        self.mock |= other.mock;
        self.decode |= other.decode;
        self.answer |= other.answer;
        self.raw |= other.raw;
        self.no_content |= other.no_content;
        self.aliases |= other.aliases;
        self.declared |= other.declared;
    }
}

impl ExampleContext<'_, '_, '_> {
    /// Whether the operation's result is a stream, read as its bytes rather than a model.
    fn returns_stream(&self) -> bool {
        matches!(paths::response_shape(self.op, self.version.catalog), Some(ResponseShape::Raw))
    }

    /// `/// Example at file:line.` for the generated tests (the request block, else the response).
    fn place(&self) -> TokenStream {
        let span = match (&self.example.request, &self.example.response) {
            (Some(request), _) => &request.span,
            (None, Some(response)) => &response.span,
            (None, None) => return TokenStream::new(),
        };
        crate::docs::Doc::new(format!("Example at {}:{}.", span.file, span.line)).outer()
    }

    fn tests(&self, comments: &mut Vec<String>) -> ExampleTests {
        let mut out = ExampleTests { tokens: TokenStream::new(), uses: HelperUses::default() };
        let place = self.place();
        if let Some((place, reason)) = known_bad(self.example) {
            let note = format!(
                "{} example {}: no tests, because its JSON contradicts the documented types ({place}: {reason}; \
                 listed in crates/graph-emit/known-bad-examples.txt).",
                self.op.name, self.number
            );
            out.tokens.extend(crate::format::comment(comments, note));
            return out;
        }
        let catalog = self.version.catalog;
        let body_type = paths::body_type(self.op, catalog, self.models);
        let response_type = paths::response_type(self.op, catalog, self.models);
        let request_json =
            self.example.request.as_ref().and_then(|request| request.body.as_ref()).map(pretty);
        // An error status's body is an error, not the response type: it is not round-tripped.
        let response_body = self
            .example
            .response
            .as_ref()
            .filter(|response| (200..300).contains(&response.status))
            .and_then(|response| response.body.as_ref());
        let mut tests = TokenStream::new();
        // Some pages show a single object wrapped as `{"value": {…}}` for an operation that returns
        // that object itself; the tests use the object inside and say so.
        let response_body = match (response_body, &self.op.response.body) {
            (Some(body), Some(TypeRef::Named(name)))
                if !catalog.fields(name).iter().any(|field| {
                    // Only an object-typed `value` property could hold that inner object itself.
                    let TypeRef::Named(inner) = &field.property.type_ref else { return false };
                    let is_enum = catalog.get(inner).is_some_and(|def| def.kind == TypeKind::Enum);
                    field.property.name == "value" && !is_enum
                }) =>
            {
                match single_value_wrapper(body) {
                    Some(inner) => {
                        let note = format!(
                        "{} example {}: the documented response wraps the object as `{{\"value\": {{…}}}}`; \
                         the tests use the object inside, which is what the operation returns.",
                        self.op.name, self.number
                    );
                        tests.extend(crate::format::comment(comments, note));
                        Some(inner)
                    }
                    None => Some(body),
                }
            }
            (body, _) => body,
        };
        if let Some(misfit) = self.misfit(response_body) {
            let note = format!(
                "{} example {}: no tests, because its JSON does not fit the model: {misfit}.",
                self.op.name, self.number
            );
            out.tokens.extend(crate::format::comment(comments, note));
            return out;
        }
        let response_json = response_body.map(pretty);

        // Each JSON body is embedded once, as a const the tests share.
        let const_base = format!("{}_EXAMPLE_{}", self.op_snake.to_ascii_uppercase(), self.number);
        let request_const = format_ident!("{const_base}_REQUEST");
        let response_const = format_ident!("{const_base}_RESPONSE");
        let mut uses_request = false;
        let mut uses_response = false;

        if let (Some(body_type), Some(_)) = (&body_type, &request_json) {
            let name = format_ident!("{}_example_{}_request_round_trips", self.op_snake, self.number);
            let request_body = self.example.request.as_ref().and_then(|request| request.body.as_ref());
            let read =
                self.declared_read(body_type, &request_const, request_body, Side::Request, &mut out.uses);
            tests.extend(quote! {
                #place
                #[test]
                fn #name() {
                    assert_round_trip::<#body_type>(#request_const);
                    #read
                }
            });
            uses_request = true;
            out.uses.round_trip = true;
        } else if body_type.is_some() && !catalog::sends_arguments(self.op) {
            let note = format!(
                "{} example {}: no request round trip, because the example request has no JSON body.",
                self.op.name, self.number
            );
            tests.extend(crate::format::comment(comments, note));
        }
        let raw = self.returns_stream();
        if let (Some(response_type), Some(_), false) = (&response_type, &response_json, raw) {
            let name = format_ident!("{}_example_{}_response_round_trips", self.op_snake, self.number);
            let read = self.declared_read(
                response_type,
                &response_const,
                response_body,
                Side::Response,
                &mut out.uses,
            );
            tests.extend(quote! {
                #place
                #[test]
                fn #name() {
                    assert_round_trip::<#response_type>(#response_const);
                    #read
                }
            });
            uses_response = true;
            out.uses.round_trip = true;
        } else if response_type.is_some() {
            let reason = match &self.example.response {
                _ if raw => "the response is a stream, read as its bytes rather than a JSON model".to_owned(),
                Some(response) if !(200..300).contains(&response.status) => {
                    format!("its status {} is an error, whose body is not the response type", response.status)
                }
                _ => "the example response has no JSON body".to_owned(),
            };
            let note = format!(
                "{} example {}: no response round trip, because {reason}.",
                self.op.name, self.number
            );
            tests.extend(crate::format::comment(comments, note));
        }
        let request_json_const = request_json.as_ref().map(|_| &request_const);
        let response_json_const = response_json.as_ref().map(|_| &response_const);
        match self.mock_test(
            body_type.as_ref(),
            response_type.as_ref(),
            request_json_const,
            response_json_const,
        ) {
            Ok((tokens, checks_aliases)) => {
                tests.extend(tokens);
                out.uses.aliases |= checks_aliases;
                uses_request |= body_type.is_some();
                uses_response |= response_type.is_some();
                out.uses.mock = true;
                out.uses.decode |= body_type.is_some() || response_type.is_some() && !raw;
                out.uses.answer |= response_type.is_some() && !raw;
                out.uses.raw |= raw;
                out.uses.no_content |= response_type.is_none();
            }
            Err(reason) => {
                let note = format!(
                    "{} example {}: no mock-server test, because {reason}.",
                    self.op.name, self.number
                );
                tests.extend(crate::format::comment(comments, note));
            }
        }
        if let (true, Some(json)) = (uses_request, &request_json) {
            let json = raw_str(json);
            out.tokens.extend(quote!(const #request_const: &str = #json;));
        }
        if let (true, Some(json)) = (uses_response, &response_json) {
            let json = raw_str(json);
            out.tokens.extend(quote!(const #response_const: &str = #json;));
        }
        out.tokens.extend(tests);
        out
    }

    /// The lines of a round trip asserting that each member of `json` (read into `model` from the
    /// const `json_const`) that the model declares was read into its field: a field read and
    /// written under another name leaves its member among the undeclared ones, whose round trip
    /// passes all the same. Nothing when the model is no struct (a list, a polymorphic type's
    /// enum) or the example sets none of its fields.
    fn declared_read(
        &self,
        model: &TokenStream,
        json_const: &proc_macro2::Ident,
        json: Option<&Value>,
        side: Side,
        uses: &mut HelperUses,
    ) -> TokenStream {
        let catalog = self.version.catalog;
        let struct_fields = |wire: &str| -> &[Field<'_>] {
            let is_struct =
                catalog.any_name(wire).is_none() && catalog.get(wire).is_some_and(catalog::is_object);
            if is_struct {
                catalog.fields(wire)
            } else {
                &[]
            }
        };
        let fields = match side {
            Side::Request => match &self.op.request_body {
                Some(RequestBody::Parameters { .. }) => {
                    catalog.request(&self.op.name).map(|(_, fields)| fields).unwrap_or_default()
                }
                Some(RequestBody::Resource { type_ref: TypeRef::Named(wire), .. }) => struct_fields(wire),
                _ => &[],
            },
            Side::Response => match paths::response_shape(self.op, catalog) {
                Some(ResponseShape::Model(TypeRef::Named(wire))) => struct_fields(wire),
                _ => &[],
            },
        };
        let Some(Value::Object(members)) = json else { return TokenStream::new() };
        let declared: Vec<&str> = members
            .keys()
            .map(String::as_str)
            .filter(|member| fields.iter().any(|field| field.property.name == *member))
            .collect();
        if declared.is_empty() {
            return TokenStream::new();
        }
        uses.declared = true;
        uses.decode = true;
        quote! {
            let read: #model = example(#json_const);
            assert_declared_read(&read.additional_properties, &[#(#declared),*]);
        }
    }

    /// Where the example's request body, or `response_body` (the response as the tests would read
    /// it), does not fit the model the crate gives it, if anywhere.
    fn misfit(&self, response_body: Option<&Value>) -> Option<String> {
        let catalog = self.version.catalog;
        let request =
            self.example.request.as_ref().and_then(|request| Some((request, request.body.as_ref()?)));
        let request_misfit = request.and_then(|(request, body)| {
            let misfit = match &self.op.request_body {
                Some(RequestBody::Resource { type_ref, .. }) => fit::misfit(catalog, body, type_ref),
                Some(RequestBody::Parameters { .. }) => {
                    let (_, fields) = catalog.request(&self.op.name)?;
                    fit::parameters_misfit(catalog, body, fields)
                }
                None => None,
            }?;
            Some(format!(
                "the request body at {}:{}, `{}`: {}",
                request.span.file, request.span.line, misfit.at, misfit.problem
            ))
        });
        let response_misfit = || {
            let response = self.example.response.as_ref()?;
            let body = response_body?;
            let misfit = match paths::response_shape(self.op, catalog)? {
                ResponseShape::Collection(item) => match body.get("value") {
                    Some(value) => fit::misfit(catalog, value, &TypeRef::Collection(Box::new(item.clone())))
                        .map(|misfit| fit::Misfit { at: format!(".value{}", misfit.at), ..misfit }),
                    None => Some(fit::Misfit {
                        at: ".value".to_owned(),
                        problem: "absent, where OData puts a list's items".to_owned(),
                    }),
                },
                ResponseShape::Single(type_ref) => match body.get("value") {
                    Some(value) => fit::misfit(catalog, value, type_ref)
                        .map(|misfit| fit::Misfit { at: format!(".value{}", misfit.at), ..misfit }),
                    None => Some(fit::Misfit {
                        at: ".value".to_owned(),
                        problem: "absent, where OData puts a single value".to_owned(),
                    }),
                },
                ResponseShape::Raw => None,
                ResponseShape::Model(type_ref) => fit::misfit(catalog, body, type_ref),
            }?;
            Some(format!(
                "the response body at {}:{}, `{}`: {}",
                response.span.file, response.span.line, misfit.at, misfit.problem
            ))
        };
        request_misfit.or_else(response_misfit)
    }

    /// The `#[tokio::test]` that sends the example through the builders, and whether it checks a
    /// function call's aliases; or why there is none.
    fn mock_test(
        &self,
        body_type: Option<&TokenStream>,
        response_type: Option<&TokenStream>,
        request_json: Option<&proc_macro2::Ident>,
        response_json: Option<&proc_macro2::Ident>,
    ) -> Result<(TokenStream, bool), String> {
        let request = self.example.request.as_ref().ok_or("the example has no request")?;
        let response = self.example.response.as_ref().ok_or("the example has no response")?;
        let place = self.place();
        if request.method != self.op.method {
            return Err(format!(
                "the example sends {} to a {} operation",
                request.method.as_str(),
                self.op.method.as_str()
            ));
        }
        if !(200..300).contains(&response.status) {
            return Err(format!("the example's response status is {}", response.status));
        }
        // A function whose parameters go in its URL: the example's call is matched apart from its path.
        let call = if catalog::sends_arguments(self.op) {
            Some(calls::example_call(&request.path, request.query.as_deref(), request.body.as_ref())?)
        } else {
            None
        };
        let example_path = call.as_ref().map_or(request.path.as_str(), |call| call.path);
        let (chain, mut encoded_path) = self
            .op
            .paths
            .iter()
            .find_map(|template| {
                let matched = match_path(template, example_path)?;
                let chain = self.version.plan.chain(template, &matched.values)?;
                let leaf = self.version.plan.leaf(template, self.op)?;
                let method = naming::ident(&leaf.method);
                // The example's query string is not applied (wiremock's path matcher ignores it).
                Some((quote!(#chain.#method), matched.encoded))
            })
            .ok_or_else(|| format!("its path `{example_path}` matches none of the operation's paths"))?;
        let mut alias_checks = TokenStream::new();
        let (body_setup, body_arg, request) = match (call, body_type, request_json) {
            (Some(call), Some(parameters_type), _) => {
                let parameters = self.call_parameters(call.parameters)?;
                let written = calls::written_call(&parameters, &paths::bare_arguments(self.op))?;
                encoded_path.push_str(&graph_url::encoded_arguments(&written.arguments));
                if !written.aliases.is_empty() {
                    let aliases = written.aliases.iter().map(|(alias, json)| {
                        let json = raw_str(json);
                        quote!((#alias, #json))
                    });
                    alias_checks = quote!(exchange.assert_aliases(&[#(#aliases),*]).await;);
                }
                let json = raw_str(&pretty(&Value::Object(parameters)));
                (
                    quote!(let parameters: #parameters_type = example(#json);),
                    quote!(&parameters),
                    quote!(None),
                )
            }
            (_, Some(body_type), Some(json)) => {
                // What the runtime sends: the example's body, with the type the method names added.
                let sent = match self.annotated_request_body() {
                    Some(annotated) => {
                        let annotated = raw_str(&annotated);
                        quote!(Some(#annotated))
                    }
                    None => quote!(Some(#json)),
                };
                (quote!(let body: #body_type = example(#json);), quote!(&body), sent)
            }
            (_, Some(_), None) => return Err("the example request has no JSON body".to_owned()),
            (_, None, _) => (TokenStream::new(), TokenStream::new(), quote!(None)),
        };
        let full_path = format!("/{}{encoded_path}", self.op.version.as_str());
        let module = &self.version.module;
        let crate_ident = self.crate_ident;
        let http_method = self.op.method.as_str();
        let status = Literal::u16_unsuffixed(response.status);
        let (response_json, check) = match response_type {
            // The server sends the documented body; a stream is read back byte for byte.
            Some(_) if self.returns_stream() => {
                let json = response_json.ok_or("the example response has no body")?;
                (quote!(Some(#json)), quote!(exchange.assert_raw(response, #json).await;))
            }
            Some(_) => {
                let json = response_json.ok_or("the example response has no JSON body")?;
                (quote!(Some(#json)), quote!(exchange.assert_answered(response, #json).await;))
            }
            None => (quote!(None), quote!(exchange.assert_no_content(response).await;)),
        };
        let name = format_ident!("{}_example_{}_sends_the_request", self.op_snake, self.number);
        let checks_aliases = !alias_checks.is_empty();
        let test = quote! {
            #place
            #[tokio::test]
            async fn #name() {
                let exchange = Exchange::start(#http_method, #full_path, #request, #status, #response_json).await;
                let client = #crate_ident::#module::Client::new(exchange.client());
                #body_setup
                let response = client #chain (#body_arg).await;
                #check
                #alias_checks
            }
        };
        Ok((test, checks_aliases))
    }

    /// The example's request body as the runtime sends it when the method names the body's type
    /// ([`catalog::body_odata_type`]) and the body names none; `None` when it is sent as it is.
    fn annotated_request_body(&self) -> Option<String> {
        let odata_type = catalog::body_odata_type(self.op, self.version.catalog)?;
        let mut body = self.example.request.as_ref()?.body.clone()?;
        let Value::Object(members) = &mut body else { return None };
        if members.contains_key("@odata.type") {
            return None;
        }
        members.insert("@odata.type".to_owned(), Value::String(odata_type));
        Some(pretty(&body))
    }

    /// A function call's parameters as the parameters struct will send them again: checked against
    /// the documented parameters, a `null` left out (the struct leaves the parameter `None`, which is
    /// not written) and a whole number in a `Double` made a float (the struct writes `5.0`).
    fn call_parameters(&self, parameters: Map<String, Value>) -> Result<Map<String, Value>, String> {
        let catalog = self.version.catalog;
        let fields = catalog.request(&self.op.name).map(|(_, fields)| fields).unwrap_or_default();
        let parameters = Value::Object(parameters);
        if let Some(misfit) = fit::parameters_misfit(catalog, &parameters, fields) {
            return Err(format!(
                "its arguments do not fit the parameters: `{}`: {}",
                misfit.at, misfit.problem
            ));
        }
        let Value::Object(mut parameters) = parameters else { return Ok(Map::new()) };
        for field in fields {
            let name = &field.property.name;
            let is_double = matches!(field.property.type_ref, TypeRef::Primitive(primitive)
                if catalog::rust_primitive(primitive) == RustPrimitive::F64);
            match parameters.get(name) {
                Some(Value::Null) => {
                    parameters.remove(name);
                }
                Some(Value::Number(number)) if is_double => {
                    if let Some(float) = number.as_f64() {
                        parameters.insert(name.clone(), Value::from(float));
                    }
                }
                _ => {}
            }
        }
        Ok(parameters)
    }
}

/// An example path matched against a template: the argument values for the builder chain and the
/// path the runtime will send (percent-encoded).
#[derive(Debug, PartialEq)]
pub struct MatchedPath {
    pub values: Vec<String>,
    pub encoded: String,
}

/// Matches an example's path (`{x}` there is literal placeholder text) against a template: literals and
/// casts compare ignoring ASCII case, parameters take the example's (percent-decoded) text, call
/// segments are matched against the template's text around their placeholders.
pub fn match_path(template: &graph_ir::PathTemplate, example_path: &str) -> Option<MatchedPath> {
    let keys = segment_keys(template);
    let pieces: Vec<&str> = example_path.split('/').filter(|piece| !piece.is_empty()).collect();
    if pieces.len() != keys.len() {
        return None;
    }
    let mut values = Vec::new();
    let mut encoded = String::new();
    for (key, piece) in keys.iter().zip(pieces) {
        match key {
            SegKey::Literal(name) | SegKey::Cast(name) => {
                if !name.eq_ignore_ascii_case(piece) {
                    return None;
                }
                encoded.push('/');
                encoded.push_str(&graph_url::literal_segment(name));
            }
            SegKey::Param(_) => {
                let value = decode(piece);
                encoded.push('/');
                encoded.push_str(&graph_url::value_segment(&value));
                values.push(value);
            }
            SegKey::Call { raw, params, .. } => {
                let captured = match_call(raw, params, &decode(piece))?;
                let (format, quoted) = call_format(raw, params);
                let segment = fill_format(&format, &captured, &quoted);
                encoded.push('/');
                encoded.push_str(&graph_url::value_segment(&segment));
                values.extend(captured);
            }
        }
    }
    Some(MatchedPath { values, encoded })
}

/// Captures the parameter values of an example call segment by walking the template text: each
/// placeholder takes the shortest text up to the literal that follows it.
fn match_call(raw: &str, params: &[String], example: &str) -> Option<Vec<String>> {
    let (format, quoted) = call_format(raw, params);
    let literals: Vec<String> =
        format.split("{}").map(|part| part.replace("{{", "{").replace("}}", "}")).collect();
    let (first, rest) = literals.split_first()?;
    let mut remaining = strip_prefix_ignore_case(example, first)?;
    let mut values = Vec::new();
    for (index, literal) in rest.iter().enumerate() {
        let (value, after) = if literal.is_empty() && index + 1 == rest.len() {
            (remaining, "")
        } else {
            let at = remaining.find(literal.as_str())?;
            (remaining.get(..at)?, remaining.get(at + literal.len()..)?)
        };
        let is_quoted = quoted.get(index).copied().unwrap_or(false);
        values.push(if is_quoted { value.replace("''", "'") } else { value.to_owned() });
        remaining = after;
    }
    remaining.is_empty().then_some(values)
}

fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| text.get(prefix.len()..)).flatten()
}

/// Fills `{}` in a call format with the values, doubling quotes inside quoted arguments as the
/// generated builder does.
fn fill_format(format: &str, values: &[String], quoted: &[bool]) -> String {
    let mut out = String::new();
    let mut parts = format.split("{}");
    if let Some(first) = parts.next() {
        out.push_str(&first.replace("{{", "{").replace("}}", "}"));
    }
    for (index, part) in parts.enumerate() {
        let value = values.get(index).map(String::as_str).unwrap_or_default();
        out.push_str(&graph_url::call_argument(value, quoted.get(index).copied().unwrap_or(false)));
        out.push_str(&part.replace("{{", "{").replace("}}", "}"));
    }
    out
}

/// Percent-decodes an example's path segment; text that does not decode to UTF-8 is kept as written.
fn decode(piece: &str) -> String {
    percent_decode_str(piece).decode_utf8().map(|text| text.into_owned()).unwrap_or_else(|_| piece.to_owned())
}

/// The example JSON pretty-printed (serde_json's stable key order), for embedding in the tests.
/// Reviewed examples whose JSON contradicts the documented types, one `file:line reason` per line
/// (`#` starts a comment): overrides are data, kept beside the emitter and compiled in.
const KNOWN_BAD_EXAMPLES: &str = include_str!("../known-bad-examples.txt");

/// The `file:line` and reason of an example listed in [`KNOWN_BAD_EXAMPLES`] (by its request's or
/// its response's place).
fn known_bad(example: &Example) -> Option<(String, &'static str)> {
    known_bad_in(KNOWN_BAD_EXAMPLES, example)
}

/// [`known_bad`] against the list `list`.
fn known_bad_in<'l>(list: &'l str, example: &Example) -> Option<(String, &'l str)> {
    let places: Vec<String> = [
        example.request.as_ref().map(|request| &request.span),
        example.response.as_ref().map(|response| &response.span),
    ]
    .into_iter()
    .flatten()
    .map(|span| format!("{}:{}", span.file, span.line))
    .collect();
    list.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).find_map(|line| {
        let (place, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        places
            .iter()
            .find(|candidate| candidate.as_str() == place)
            .map(|place| (place.clone(), reason.trim()))
    })
}

/// The object inside `{"value": {…}}` (other members only `@odata.*` annotations), if `body` is that.
fn single_value_wrapper(body: &Value) -> Option<&Value> {
    let object = body.as_object()?;
    let mut members = object.iter().filter(|(key, _)| !key.starts_with("@odata."));
    match (members.next(), members.next()) {
        (Some((key, inner @ Value::Object(_))), None) if key == "value" => Some(inner),
        _ => None,
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// The shared helpers, only those some test uses (an unused helper would be a warning).
fn helpers(uses: HelperUses) -> TokenStream {
    let mut imports = TokenStream::new();
    let mut out = TokenStream::new();
    if uses.round_trip || uses.mock {
        imports.extend(quote!(
            use serde_json::Value;
        ));
        out.extend(quote! {
            /// Makes two JSON documents comparable: a leading `#` in `@odata.type` is dropped (the docs
            /// write it both ways), `null` members are dropped (an unset optional property is not
            /// sent), and whole-number floats become integers (`1.0` and `1` are the same `Double`).
            fn normalise(value: Value) -> Value {
                match value {
                    Value::Object(map) => Value::Object(
                        map.into_iter()
                            .filter(|(_, member)| !member.is_null())
                            .map(|(key, member)| {
                                let member = match (key.as_str(), member) {
                                    ("@odata.type", Value::String(name)) => {
                                        Value::String(name.trim_start_matches('#').to_owned())
                                    }
                                    (_, member) => normalise(member),
                                };
                                (key, member)
                            })
                            .collect(),
                    ),
                    Value::Array(items) => Value::Array(items.into_iter().map(normalise).collect()),
                    Value::Number(number) if number.is_f64() => {
                        let float = number.as_f64().unwrap_or(f64::NAN);
                        if float.fract() == 0.0 && float.abs() < 9.0e15 {
                            Value::from(float as i64)
                        } else {
                            Value::Number(number)
                        }
                    }
                    other => other,
                }
            }
        });
    }
    if uses.round_trip {
        out.extend(quote! {
            /// Deserialises `json` into `T`, serialises it back, and asserts nothing was lost or added.
            fn assert_round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(json: &str) {
                let expected: Value = serde_json::from_str(json).expect("the example is JSON");
                let typed: T = serde_json::from_value(expected.clone()).expect("the example fits the model");
                let actual = serde_json::to_value(&typed).expect("the model serialises");
                assert_eq!(normalise(actual), normalise(expected));
            }
        });
    }
    if uses.declared {
        out.extend(quote! {
            /// Asserts that none of `declared`, members of an example that its model declares, is
            /// left among the members the model does not declare: each was read into its field.
            fn assert_declared_read(undeclared: &serde_json::Map<String, Value>, declared: &[&str]) {
                let unread: Vec<&str> =
                    declared.iter().copied().filter(|member| undeclared.contains_key(*member)).collect();
                assert!(unread.is_empty(), "declared members not read into their fields: {unread:?}");
            }
        });
    }
    if uses.decode {
        out.extend(quote! {
            /// A documented JSON body read into its model.
            fn example<T: serde::de::DeserializeOwned>(json: &str) -> T {
                serde_json::from_str(json).expect("the example fits the model")
            }
        });
    }
    if uses.mock {
        imports.extend(quote! {
            use graph_runtime::StaticToken;
            use wiremock::matchers::{method, path};
            use wiremock::{Mock, MockServer, ResponseTemplate};
        });
        let mut checks = TokenStream::new();
        if uses.answer {
            checks.extend(quote! {
                /// Asserts the client returned the documented response and the server saw one request.
                async fn assert_answered<T>(&self, response: Result<T, graph_runtime::Error>, expected: &str)
                where
                    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
                {
                    let response = response.expect("the mock server answers the request");
                    assert_eq!(response, example::<T>(expected));
                    self.assert_one_request().await;
                }
            });
        }
        if uses.raw {
            checks.extend(quote! {
                /// Asserts the client returned the body the server sent, byte for byte, and the server
                /// saw one request.
                async fn assert_raw(&self, response: Result<graph_runtime::Bytes, graph_runtime::Error>, served: &str) {
                    let response = response.expect("the mock server answers the request");
                    assert_eq!(response.as_ref(), served.as_bytes());
                    self.assert_one_request().await;
                }
            });
        }
        if uses.no_content {
            checks.extend(quote! {
                /// Asserts the client returned `()` for the bodiless answer and the server saw one request.
                async fn assert_no_content(&self, response: Result<(), graph_runtime::Error>) {
                    let () = response.expect("the mock server answers the request");
                    self.assert_one_request().await;
                }
            });
        }
        if uses.aliases {
            checks.extend(quote! {
                /// Asserts the one request's query gave each alias of a function call the JSON expected,
                /// compared after [`normalise`].
                async fn assert_aliases(&self, expected: &[(&str, &str)]) {
                    let requests = self.server.received_requests().await.expect("request recording is on");
                    let sent: Vec<(String, String)> = requests
                        .first()
                        .map(|request| request.url.query_pairs().map(|(name, value)| (name.into_owned(), value.into_owned())).collect())
                        .unwrap_or_default();
                    for (alias, json) in expected {
                        let value = sent.iter().find(|(name, _)| name == alias).map(|(_, value)| value);
                        let value = value.unwrap_or_else(|| panic!("the query {sent:?} has no {alias}"));
                        let value: Value = serde_json::from_str(value).expect("the alias's value is JSON");
                        let expected: Value = serde_json::from_str(json).expect("the example is JSON");
                        assert_eq!(normalise(value), normalise(expected), "alias {alias}");
                    }
                }
            });
        }
        out.extend(quote! {
            /// Matches a request whose JSON body equals the example's, compared after [`normalise`].
            struct JsonBody(Value);

            impl JsonBody {
                fn new(json: &str) -> JsonBody {
                    JsonBody(normalise(serde_json::from_str(json).expect("the example is JSON")))
                }
            }

            impl wiremock::Match for JsonBody {
                fn matches(&self, request: &wiremock::Request) -> bool {
                    serde_json::from_slice::<Value>(&request.body).is_ok_and(|body| normalise(body) == self.0)
                }
            }

            /// A documented exchange served by a mock server: it answers a request with the example's
            /// method, path and (when it has one) JSON body with the example's status and JSON body.
            struct Exchange {
                server: MockServer,
                sends_body: bool,
            }

            impl Exchange {
                async fn start(
                    http_method: &str,
                    url_path: &str,
                    request: Option<&str>,
                    status: u16,
                    response: Option<&str>,
                ) -> Exchange {
                    let server = MockServer::start().await;
                    let mut template = ResponseTemplate::new(status);
                    if let Some(json) = response {
                        template = template.set_body_raw(json, "application/json");
                    }
                    let mut mock = Mock::given(method(http_method)).and(path(url_path));
                    if let Some(json) = request {
                        mock = mock.and(JsonBody::new(json));
                    }
                    mock.respond_with(template).mount(&server).await;
                    Exchange { server, sends_body: request.is_some() }
                }

                /// A runtime client that sends to the server with the token `test-token`.
                fn client(&self) -> graph_runtime::Client {
                    graph_runtime::Client::builder()
                        .base_url(self.server.uri())
                        .token_provider(StaticToken::new("test-token"))
                        .build()
                        .expect("the client builds")
                }

                #checks

                /// Asserts the server received exactly one request, with the bearer token and, when a
                /// body was sent, the JSON content type.
                async fn assert_one_request(&self) {
                    let requests = self.server.received_requests().await.expect("request recording is on");
                    assert_eq!(requests.len(), 1, "requests received: {requests:?}");
                    let header = |name: &str| {
                        requests
                            .first()
                            .and_then(|request| request.headers.get(name))
                            .and_then(|value| value.to_str().ok())
                            .map(str::to_owned)
                    };
                    assert_eq!(header("authorization").as_deref(), Some("Bearer test-token"));
                    if self.sends_body {
                        assert_eq!(header("content-type").as_deref(), Some("application/json"));
                    }
                }
            }
        });
    }
    quote!(#imports #out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use graph_ir::{CallArgument, PathSegment, PathTemplate, Span};

    fn template(raw: &str, segments: Vec<PathSegment>) -> PathTemplate {
        PathTemplate { raw: raw.to_owned(), segments, span: Span::new("t.md", 1) }
    }

    fn literal(name: &str) -> PathSegment {
        PathSegment::Literal { name: name.to_owned() }
    }

    #[test]
    fn placeholder_text_in_an_example_path_is_sent_percent_encoded() {
        let template = template(
            "/deviceManagement/items/{itemId}/assign",
            vec![
                literal("deviceManagement"),
                literal("items"),
                PathSegment::Parameter { name: "itemId".into() },
                literal("assign"),
            ],
        );
        let matched = match_path(&template, "/devicemanagement/items/{itemId}/assign");
        assert_eq!(
            matched,
            Some(MatchedPath {
                values: vec!["{itemId}".to_owned()],
                encoded: "/deviceManagement/items/%7BitemId%7D/assign".to_owned(),
            })
        );
        assert_eq!(match_path(&template, "/deviceManagement/other/x/assign"), None);
        assert_eq!(match_path(&template, "/deviceManagement/items/x"), None);
    }

    #[test]
    fn call_segments_capture_their_arguments() {
        let template = template(
            "/reports/getReport(period='{period}',top={top})",
            vec![
                literal("reports"),
                PathSegment::Call {
                    name: "getReport".into(),
                    arguments: vec![
                        CallArgument {
                            name: "period".into(),
                            parameter: Some("period".into()),
                            raw: "{period}".into(),
                        },
                        CallArgument {
                            name: "top".into(),
                            parameter: Some("top".into()),
                            raw: "{top}".into(),
                        },
                    ],
                },
            ],
        );
        let matched = match_path(&template, "/reports/getReport(period='D''7',top=5)");
        assert_eq!(
            matched,
            Some(MatchedPath {
                values: vec!["D'7".to_owned(), "5".to_owned()],
                encoded: "/reports/getReport(period='D''7',top=5)".to_owned(),
            })
        );
    }

    #[test]
    fn known_bad_examples_match_by_request_or_response_place() {
        let response = graph_ir::ExampleResponse {
            status: 200,
            headers: Vec::new(),
            body: None,
            truncated: false,
            span: Span::new("a/p.md", 40),
        };
        let example = Example { name: None, request: None, response: Some(response) };
        let list = "# reviewed\na/p.md:4 wrong line\na/p.md:40 a string where an object is documented\n";
        assert_eq!(
            known_bad_in(list, &example),
            Some(("a/p.md:40".to_owned(), "a string where an object is documented"))
        );
        assert_eq!(known_bad_in("a/p.md:41 other", &example), None);
    }
}
