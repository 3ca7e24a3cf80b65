//! Turns the graph-ir model into a formatted Rust client crate: token streams built with quote,
//! parsed by syn, printed by prettyplease. No I/O: the caller (xtask) writes the files.
//!
//! Flow per API version: `catalog` indexes the types (names, inheritance, polymorphism, boxing) →
//! `models` emits the typed surface → `paths` plans and emits the request builders → `examples`
//! emits tests from the documented examples → `files` cuts them into files → `format` prints them
//! (on worker threads). When page names carry areas (`intune-<area>-…`), `areas` gates every item
//! behind the Cargo features of the areas that need it.

mod areas;
mod calls;
mod catalog;
mod docs;
mod examples;
mod files;
mod fit;
mod format;
mod models;
mod naming;
mod options;
mod paths;

use std::collections::{BTreeMap, BTreeSet};

use graph_ir::{Api, ApiVersion, Operation};
use proc_macro2::TokenStream;
use quote::quote;

use crate::areas::{AreaSet, Areas};
use crate::catalog::Catalog;
use crate::docs::{code, Doc};
use crate::files::{header, module_files, test_files, words_of, Filed};
use crate::format::{build_on_all_cores, token_text, Formatter};
use crate::paths::{PathPlan, Receiver, SegKey};

/// How to emit the crate.
#[derive(Debug, Clone)]
pub struct EmitOptions {
    /// The package name written into Cargo.toml (`graph-client` for the checked-in crate).
    pub crate_name: String,
    /// The `path` of the graph-runtime dependency as written into Cargo.toml, relative to the emitted
    /// crate's folder when possible (`../crates/graph-runtime` for generated/).
    pub runtime_path: String,
    /// Emit an empty `[workspace]` table so the crate builds on its own outside this workspace.
    pub standalone: bool,
}

/// How the emitted files are cut: when a version's models, paths or example tests would print more
/// than about `max_file_bytes` of code, they become a folder of area modules named after the leading
/// words of the items they hold (type-name words for models, path segments for builders and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Measured on the items' token text, which is close to the printed size.
    pub max_file_bytes: usize,
}

impl Default for Layout {
    /// 1 MB: about 25,000 printed lines at most per file, except an area that cannot be split further
    /// by words (one path node with very many operations).
    fn default() -> Layout {
        Layout { max_file_bytes: 1_000_000 }
    }
}

/// One emitted file: its path relative to the crate root (`/`-separated) and its full contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// Why emitting failed: the generator built tokens that syn could not parse (a generator bug).
#[derive(Debug)]
pub struct EmitError {
    pub file: String,
    pub message: String,
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "generated {} does not parse: {}", self.file, self.message)
    }
}

impl std::error::Error for EmitError {}

/// Emits the whole crate: Cargo.toml, src/**, tests/**. Files are sorted by path; the output depends
/// only on `api` and `options`.
pub fn emit_crate(api: &Api, options: &EmitOptions) -> Result<Vec<GeneratedFile>, EmitError> {
    emit_crate_with(api, options, Layout::default())
}

/// [`emit_crate`] with an explicit [`Layout`].
pub fn emit_crate_with(
    api: &Api,
    options: &EmitOptions,
    layout: Layout,
) -> Result<Vec<GeneratedFile>, EmitError> {
    let versions: BTreeSet<ApiVersion> =
        api.operations.iter().map(|op| op.version).chain(api.types.iter().map(|def| def.version)).collect();
    let crate_ident = naming::ident(&options.crate_name.replace('-', "_"));
    let areas = Areas::new(api);
    let mut files = std::thread::scope(|scope| {
        let formatter = Formatter::start(scope);
        emit_sources(api, &versions, &crate_ident, &areas, layout, &formatter);
        formatter.finish()
    })?;
    files.push(GeneratedFile { path: "Cargo.toml".to_owned(), contents: cargo_toml(api, options, &areas) });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Builds every Rust file of the crate and submits it to `formatter`.
fn emit_sources(
    api: &Api,
    versions: &BTreeSet<ApiVersion>,
    crate_ident: &proc_macro2::Ident,
    areas: &Areas,
    layout: Layout,
    formatter: &Formatter,
) {
    lib_rs(api, versions, crate_ident, areas, formatter);

    let mut test_versions = Vec::new();
    let catalogs: Vec<(ApiVersion, Catalog<'_>, Vec<&Operation>)> = versions
        .iter()
        .map(|version| {
            let operations: Vec<&Operation> =
                api.operations.iter().filter(|op| op.version == *version).collect();
            (*version, Catalog::new(api, *version), operations)
        })
        .collect();
    let plans: Vec<PathPlan<'_>> = catalogs
        .iter()
        .map(|(version, _, operations)| PathPlan::new(*version, operations).with_areas(areas))
        .collect();
    for ((version, catalog, operations), plan) in catalogs.iter().zip(&plans) {
        let module = version_module(*version);
        version_files(&module, catalog, plan, operations, areas, layout, formatter);
        test_versions.push(examples::VersionTests {
            module: naming::ident(&module),
            catalog,
            plan,
            operations: operations.clone(),
        });
    }

    test_files(examples::tests(crate_ident, &test_versions), &areas.file_preamble(), layout, formatter);
}

/// `beta` or `v1_0`.
fn version_module(version: ApiVersion) -> String {
    match version {
        ApiVersion::Beta => "beta".to_owned(),
        ApiVersion::V1_0 => "v1_0".to_owned(),
    }
}

/// The oldest Rust the generated crate declares it builds with: the workspace's `rust-version`,
/// which the runtime it links shares (a test keeps the two equal).
pub const RUST_VERSION: &str = "1.89";

/// How the emitted Cargo.toml begins: the writer tells a crate it generated from any other by it, and
/// replaces no other.
pub const CARGO_TOML_MARK: &str = "# Generated by `cargo xtask codegen`";

fn cargo_toml(api: &Api, options: &EmitOptions, areas: &Areas) -> String {
    let pages: BTreeSet<&str> = api.pages.iter().map(|page| page.file.as_str()).collect();
    let mut out = format!(
        "{CARGO_TOML_MARK} from {} input page{}. Do not edit.\n",
        pages.len(),
        if pages.len() == 1 { "" } else { "s" }
    );
    out.push_str("[package]\n");
    out.push_str(&format!("name = {}\n", toml_string(&options.crate_name)));
    out.push_str(&format!(
        "version = \"0.1.0\"\nedition = \"2021\"\nrust-version = \"{RUST_VERSION}\"\npublish = false\n\n"
    ));
    out.push_str("[dependencies]\n");
    // The runtime's TLS features are chosen through this crate's own (see `Areas::cargo_features`).
    out.push_str(&format!(
        "graph-runtime = {{ path = {}, default-features = false }}\n",
        toml_string(&options.runtime_path)
    ));
    out.push_str("serde = \"1\"\nserde_json = \"1\"\n\n");
    out.push_str("[dev-dependencies]\n");
    out.push_str(
        "tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\nwiremock = \"0.6\"\n",
    );
    out.push_str(&areas.cargo_features());
    if options.standalone {
        out.push_str("\n[workspace]\n");
    }
    out
}

/// A TOML basic string.
fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn lib_rs(
    api: &Api,
    versions: &BTreeSet<ApiVersion>,
    crate_ident: &proc_macro2::Ident,
    areas: &Areas,
    formatter: &Formatter,
) {
    let sources: Vec<String> = api.pages.iter().map(|page| page.file.clone()).collect();
    let features: Vec<String> =
        areas::feature_docs(areas, api).iter().map(|line| format!("- {line}")).collect();
    let getting_started = versions.first().map(|version| getting_started(crate_ident, *version));
    let description = format!(
        "A typed Microsoft Graph client: one module per API version, each with a `Client` whose methods \
         follow the URL path (`client.device_management().device_enrollment_configurations()…`), typed \
         models for every documented type, and request builders documenting each operation's \
         permissions and responses.{}\n\nEvery operation method returns a `runtime::Request`: set the \
         query options its page lists, then `.await` it for the documented result. `.response()` \
         gives that result with the response's status and headers (a create's `Location`, the \
         `request-id` Microsoft's support asks for), `.allow_no_content()` lets one whose page documents \
         a body take a `204 No Content` instead, as `None` (an update always does), a list's \
         `.items()` walks every page, and `.read_as::<runtime::Json<serde_json::Value>>()` (or \
         `runtime::Paged<serde_json::Value>`) reads an answer the models do not fit, which the docs \
         did not foresee. Requests that do not depend on one another can go twenty to a `$batch`: \
         `let mut batch = client.runtime().batch();`, `let ticket = batch.add(request);`, then \
         `batch.send().await.take(ticket)` reads each answer as its `.await` would have.\
         \n\nA model sends only its properties that are `Some`, so an update (`PATCH`) changes just \
         those. To clear a property, leave it `None` and put the `null` that \
         `runtime::odata::nulls(|m: &mut Model| m.field = Some(..))` gives into the model's \
         `additional_properties`; a property both set and cleared fails the request.\
         \n\nCargo features:\n\n{}",
        getting_started.unwrap_or_default(),
        features.join("\n")
    );
    let doc = header(&sources, &description);
    let modules = versions.iter().map(|version| {
        let ident = naming::ident(&version_module(*version));
        let doc = Doc::new(format!("The Microsoft Graph {} API.", code(version.as_str()))).outer();
        quote!(#doc pub mod #ident;)
    });
    let options = match options::any(api) {
        true => {
            let markers = options::options_items(api);
            quote! {
                /// Which query options each operation takes: one marker per set of options a page
                /// lists, unlocking the matching setters of `graph_runtime::Request`.
                pub mod options {
                    #markers
                }
            }
        }
        false => TokenStream::new(),
    };
    let items = quote! {
        #![deny(missing_docs)]

        /// The hand-written runtime this client sends through: `Client::builder()`, errors, token
        /// providers and OData helpers.
        pub use graph_runtime as runtime;

        #(#modules)*

        #options
    };
    formatter.submit("src/lib.rs".to_owned(), &doc, token_text(&items));
}

/// The crate documentation's first example: a client of `version` authenticated as an app
/// registration (a `no_run` doctest, so `cargo test` checks that it compiles), and the other ways to
/// get its tokens.
fn getting_started(crate_ident: &proc_macro2::Ident, version: ApiVersion) -> String {
    let module = naming::ident(&version_module(version));
    format!(
        "\n\nA client authenticated as an app registration, by the client credentials grant with the \
         Azure SDKs' `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` (the runtime's \
         `ClientCredentials` caches the token and fetches another before it expires):\n\n\
         ```no_run\n\
         # fn main() -> Result<(), {crate_ident}::runtime::Error> {{\n\
         use {crate_ident}::runtime::{{Client, ClientCredentials}};\n\
         \n\
         let credentials = ClientCredentials::from_env()?.build()?;\n\
         let runtime = Client::builder().token_provider(credentials).build()?;\n\
         let client = {crate_ident}::{module}::Client::new(runtime);\n\
         # let _ = client;\n\
         # Ok(())\n\
         # }}\n\
         ```\n\n\
         For a user's delegated permissions instead (a command-line tool an administrator runs), \
         `runtime::DeviceCode::builder(tenant, client_id)` has the user sign in with a code, once, and \
         keeps the token fresh with its refresh token; `runtime::ManagedIdentity` takes the tokens \
         Azure issues to the resource the program runs on."
    )
}

/// `src/<version>/mod.rs`, the models and the paths of one version.
fn version_files(
    module: &str,
    catalog: &Catalog<'_>,
    plan: &PathPlan<'_>,
    operations: &[&Operation],
    areas: &Areas,
    layout: Layout,
    formatter: &Formatter,
) {
    let preamble = areas.file_preamble();
    let type_areas = areas::type_areas(areas, catalog, operations);
    let version = catalog.version.as_str();
    let op_sources: Vec<String> =
        operations.iter().filter_map(|op| op.sources.first()).map(|span| span.file.to_string()).collect();
    // Models, built on every core: none of the version's model files can be cut (and handed to the
    // formatter) before all of them are built.
    let filed: Vec<Filed> = build_on_all_cores(&models::model_sources(catalog), |source| {
        let items = models::model_items(catalog, source);
        items
            .into_iter()
            .map(|item| model_filed(item, plan, operations, areas, &type_areas))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect::<Vec<Filed>>();
    let has_struct = catalog.types().any(catalog::is_object) || catalog.requests().next().is_some();
    let mut uses = TokenStream::new();
    // A struct's (de)serialisation is one runtime call per property.
    if has_struct {
        uses.extend(quote!(
            use graph_runtime::odata::{ObjectReader, ObjectWriter};
        ));
    }
    // Every model implements both traits by hand (structs, enums and `Any…` enums alike).
    if !filed.is_empty() {
        uses.extend(quote!(
            use serde::{Deserialize, Deserializer, Serialize, Serializer};
        ));
    }
    if has_struct {
        uses.extend(quote!(
            use serde_json::{Map, Value};
        ));
    } else if catalog.types().any(|def| catalog.any_name(&def.name).is_some()) {
        uses.extend(quote!(
            use serde_json::Value;
        ));
    }
    let description = format!(
        "The typed models of the {} API: one struct per object type, one enum per enum type, an `Any…` \
         enum per type with derived types (chosen by `@odata.type`), and one struct per action's \
         parameters.",
        code(version)
    );
    module_files(&format!("src/{module}/models"), &description, &preamble, uses, filed, layout, formatter);

    // Paths.
    let paths::PathItems { top: consts, builders, has_consts } = paths::path_items(plan, catalog);
    let mut runtime_names: Vec<&str> = Vec::new();
    if !builders.is_empty() {
        runtime_names.extend(["Client", "RequestPath"]);
    }
    if has_consts {
        runtime_names.extend(["Method", "Operation"]);
    }
    runtime_names.sort_unstable();
    let runtime_names = runtime_names.into_iter().map(naming::ident);
    let mut uses = quote!(use graph_runtime::{#(#runtime_names),*};);
    if builders.is_empty() && !has_consts {
        uses = TokenStream::new();
    }
    if plan.nodes.values().any(|node| !node.leaves.is_empty()) && models_referenced(plan, catalog) {
        uses.extend(quote!(
            use super::models;
        ));
    }
    uses.extend(consts);
    uses.extend(areas::ungated_marker(areas));
    let filed: Vec<Filed> = builders
        .into_iter()
        .map(|(key, tokens)| {
            Filed::new(key.iter().map(paths::key_word).collect(), node_sources(plan, &key), &tokens)
        })
        .collect();
    let description = format!(
        "Request builders for the {} API: one struct per path node, reached from `Client` by methods \
         named after the path segments; operations are methods at the end of a path returning a \
         `graph_runtime::Request` to set query options on and `.await`.",
        code(version)
    );
    module_files(&format!("src/{module}/paths"), &description, &preamble, uses, filed, layout, formatter);

    // The version module.
    let receiver = Receiver {
        client: quote!(self.0),
        path: quote!(graph_runtime::RequestPath::root()),
        owned_path: quote!(graph_runtime::RequestPath::root()),
        builders: quote!(paths::),
        models: quote!(models::),
        consts: quote!(paths::),
    };
    let root_methods = paths::node_methods(plan, &[], catalog, &receiver);
    let client_doc = Doc::new(format!(
        "A client for the Microsoft Graph {} endpoint: every path starts with one of its methods.",
        code(version)
    ))
    .outer();
    let items = quote! {
        pub mod models;
        pub mod paths;

        #client_doc
        #[derive(Debug, Clone)]
        pub struct Client(graph_runtime::Client);

        impl Client {
            /// Wraps a configured runtime client (see `graph_runtime::Client::builder`).
            pub fn new(client: graph_runtime::Client) -> Client {
                Client(client)
            }

            /// The runtime client every request goes through: its base URL, and `send_json`,
            /// `send` and `pager` for a path no page documents.
            pub fn runtime(&self) -> &graph_runtime::Client {
                &self.0
            }

            #root_methods
        }
    };
    let doc = header(
        &op_sources,
        &format!("The Microsoft Graph {} API: its `Client`, its `models` and its `paths`.", code(version)),
    );
    formatter.submit(format!("src/{module}/mod.rs"), &doc, format!("{preamble} {}", token_text(&items)));
}

/// Whether any operation method names a model type (a body or response that is not plain JSON).
fn models_referenced(plan: &PathPlan<'_>, catalog: &Catalog<'_>) -> bool {
    let probe = quote!(models::);
    let probe_text = probe.to_string();
    plan.nodes.values().flat_map(|node| &node.leaves).any(|leaf| {
        let body = paths::body_type(leaf.op, catalog, &probe).map(|t| t.to_string()).unwrap_or_default();
        let response =
            paths::response_type(leaf.op, catalog, &probe).map(|t| t.to_string()).unwrap_or_default();
        body.contains(&probe_text) || response.contains(&probe_text)
    })
}

/// A model item filed under its type's words, behind the features of the areas that need it.
fn model_filed(
    item: models::ModelItem,
    plan: &PathPlan<'_>,
    operations: &[&Operation],
    areas: &Areas,
    type_areas: &BTreeMap<String, AreaSet>,
) -> Filed {
    let set = match item.is_request {
        true => operations
            .iter()
            .find(|op| op.name == item.group_key)
            .map(|op| plan.op_set(op))
            .unwrap_or_default(),
        false => type_areas.get(&item.group_key).cloned().unwrap_or_else(AreaSet::new),
    };
    let mut tokens = areas.marker(&set);
    tokens.extend(item.tokens);
    Filed::new(words_of(&naming::type_name(&item.group_key)), item.sources, &tokens)
}

/// The pages behind a builder node: those of the operations at or below it.
fn node_sources(plan: &PathPlan<'_>, key: &[SegKey]) -> Vec<String> {
    plan.nodes
        .range(key.to_vec()..)
        .take_while(|(other, _)| other.starts_with(key))
        .flat_map(|(_, node)| &node.leaves)
        .filter_map(|leaf| leaf.op.sources.first().map(|span| span.file.to_string()))
        .collect()
}
