//! Area features on a small hand-made model: two pages named `intune-a-…` and `intune-b-…` whose
//! operations share one type, and a type no operation reaches.

use graph_emit::{emit_crate, EmitOptions, GeneratedFile};
use graph_ir::*;

fn span() -> Span {
    Span::new("areas.md", 1)
}

fn entity(name: &str, properties: Vec<Property>) -> TypeDef {
    TypeDef {
        properties,
        ..TypeDef::new(ApiVersion::Beta, name, TypeKind::Entity, Origin::Documented, span())
    }
}

fn operation(
    name: &str,
    page: &str,
    method: HttpMethod,
    path: &str,
    body: Option<&str>,
    response: TypeRef,
) -> Operation {
    Operation {
        version: ApiVersion::Beta,
        name: name.to_owned(),
        kind: OperationKind::Other,
        title: name.to_owned(),
        description: None,
        method,
        paths: vec![PathTemplate {
            raw: path.to_owned(),
            segments: vec![PathSegment::Literal { name: path.trim_start_matches('/').to_owned() }],
            span: span(),
        }],
        request_headers: Vec::new(),
        query_options: Vec::new(),
        request_body: body.map(|name| RequestBody::Resource {
            type_ref: TypeRef::Named(name.to_owned()),
            properties: Vec::new(),
            span: span(),
        }),
        response: Response { status: 200, body: Some(response), span: span() },
        permissions: Permissions {
            order: PrivilegeOrder::Unstated,
            entries: Vec::new(),
            include: None,
            span: None,
        },
        examples: Vec::new(),
        national_clouds: Vec::new(),
        sources: vec![Span::new(page, 1)],
        narrowed: None,
    }
}

fn emit() -> Vec<GeneratedFile> {
    let shared_field = Property {
        name: "shared".to_owned(),
        type_ref: TypeRef::Named("sharedThing".to_owned()),
        description: None,
        read_only: false,
        required: None,
        possible_values: Vec::new(),
        origin: Origin::Documented,
        span: span(),
    };
    let api = Api {
        pages: Vec::new(),
        operations: vec![
            operation(
                "createOnlyA",
                "api/intune-alpha-onlya-create.md",
                HttpMethod::POST,
                "/onlyAs",
                Some("onlyA"),
                TypeRef::Named("onlyA".to_owned()),
            ),
            operation(
                "listShared",
                "api/intune-beta-sharedthing-list.md",
                HttpMethod::GET,
                "/sharedThings",
                None,
                TypeRef::Collection(Box::new(TypeRef::Named("sharedThing".to_owned()))),
            ),
            // Described by a page of each of two areas (as `GET /deviceManagement` is by 16).
            Operation {
                sources: vec![
                    Span::new("api/intune-gamma-gammathing-get.md", 1),
                    Span::new("api/intune-alpha-gammathing-get.md", 1),
                ],
                ..operation(
                    "getGammaThing",
                    "api/intune-gamma-gammathing-get.md",
                    HttpMethod::GET,
                    "/gammaThing",
                    None,
                    TypeRef::Named("gammaThing".to_owned()),
                )
            },
        ],
        types: vec![
            // A base with two derived types; only the first is reached (by `getGammaThing`'s field).
            TypeDef {
                derived_types: vec!["leftKind".to_owned(), "rightKind".to_owned()],
                ..entity("kind", Vec::new())
            },
            TypeDef { base_type: Some("kind".to_owned()), ..entity("leftKind", Vec::new()) },
            TypeDef { base_type: Some("kind".to_owned()), ..entity("rightKind", Vec::new()) },
            entity(
                "gammaThing",
                vec![Property {
                    name: "left".to_owned(),
                    type_ref: TypeRef::Named("leftKind".to_owned()),
                    ..shared_field.clone()
                }],
            ),
            entity("onlyA", vec![shared_field]),
            entity("orphan", Vec::new()),
            entity("sharedThing", Vec::new()),
        ],
        diagnostics: Vec::new(),
    };
    let options = EmitOptions {
        crate_name: "areas-client".to_owned(),
        runtime_path: "../graph-runtime".to_owned(),
        standalone: true,
    };
    match emit_crate(&api, &options) {
        Ok(files) => files,
        Err(error) => panic!("{error}"),
    }
}

fn file(files: &[GeneratedFile], path: &str) -> String {
    files.iter().find(|file| file.path == path).map(|file| file.contents.clone()).unwrap_or_default()
}

/// The `#[cfg(…)]` line right above `needle` (skipping `#[derive…]`/`#[inline]` lines).
fn cfg_above(text: &str, needle: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = lines.iter().position(|line| line.contains(needle)) else { return format!("no {needle}") };
    lines
        .iter()
        .take(at)
        .rev()
        .map(|line| line.trim())
        .find(|line| !line.starts_with("#[derive") && !line.starts_with("#[inline]"))
        .filter(|line| line.starts_with("#[cfg("))
        .unwrap_or("(none)")
        .to_owned()
}

#[test]
fn cargo_features_list_each_area_under_full_and_enable_only_the_tls_stack_by_default() {
    let cargo = file(&emit(), "Cargo.toml");
    let features = "[features]\ndefault = [\"rustls\"]\nhttp2 = [\"graph-runtime/http2\"]\n\
                    gzip = [\"graph-runtime/gzip\"]\n\
                    socks = [\"graph-runtime/socks\"]\nrustls = [\"graph-runtime/rustls\"]\nnative-tls = [\"graph-runtime/native-tls\"]\n\
                    certificate = [\"graph-runtime/certificate\"]\npkcs12 = [\"graph-runtime/pkcs12\"]\ninteractive = [\"graph-runtime/interactive\"]\n\
                    full = [\"alpha\", \"beta\", \"gamma\"]\nalpha = []\nbeta = []\ngamma = []\n";
    assert!(cargo.contains(features), "{cargo}");
}

#[test]
fn the_crate_docs_list_each_feature_with_what_it_enables() {
    let lib = file(&emit(), "src/lib.rs");
    let expected = "//! Cargo features:\n//!\n\
                    //! - `rustls` (default): TLS by rustls, trusting Mozilla's root certificates.\n\
                    //! - `native-tls`: the platform's TLS and trust store instead (OpenSSL on Linux); build with \
                    `default-features = false`.\n\
                    //! - `http2`: negotiate HTTP/2 (HTTP/1.1 otherwise).\n\
                    //! - `gzip`: ask Graph for gzip-compressed answers, and decompress them (a large list's \
                    pages travel in a fraction of their size).\n\
                    //! - `socks`: SOCKS proxies (`socks5h://`, `socks5://`, `socks4a://`, `socks4://`) as well \
                    as HTTP ones.\n\
                    //! - `certificate`: `graph_runtime::ClientCredentials::certificate`, an app that proves \
                    itself with a certificate rather than a secret.\n\
                    //! - `pkcs12`: `certificate`, with the certificate read from a PKCS #12 (`.pfx`) file or \
                    from PEM whose key is encrypted (`graph_runtime::Certificate::from_pkcs12`).\n\
                    //! - `interactive`: `graph_runtime::InteractiveBrowser`, a user who signs in in a browser \
                    (authorization code flow with PKCE).\n\
                    //! - `full`: every area below, and the types no operation reaches (no area is on by default).\n\
                    //! - `alpha`: the operations of the `intune-alpha-…` pages (2) and the types they use.\n\
                    //! - `beta`: the operations of the `intune-beta-…` pages (1) and the types they use.\n\
                    //! - `gamma`: the operations of the `intune-gamma-…` pages (1) and the types they use.\n";
    assert!(lib.contains(expected), "{lib}");
}

#[test]
fn types_are_gated_by_the_areas_that_reach_them() {
    let models = file(&emit(), "src/beta/models.rs");
    assert_eq!(cfg_above(&models, "pub struct OnlyA "), "#[cfg(feature = \"alpha\")]");
    // Reached from alpha through a property and from beta as a response.
    assert_eq!(
        cfg_above(&models, "pub struct SharedThing "),
        "#[cfg(any(feature = \"alpha\", feature = \"beta\"))]"
    );
    // No operation reaches it: only `full` compiles it.
    assert_eq!(cfg_above(&models, "pub struct Orphan "), "#[cfg(feature = \"full\")]");
    assert!(models.contains("#![cfg_attr(not(feature = \"full\"), allow(dead_code, unused_imports))]"));
}

#[test]
fn builders_methods_and_consts_are_gated_by_their_operations() {
    let files = emit();
    let paths = file(&files, "src/beta/paths.rs");
    assert_eq!(cfg_above(&paths, "pub struct OnlyAs "), "#[cfg(feature = \"alpha\")]");
    assert_eq!(cfg_above(&paths, "pub(crate) const CREATE_ONLY_A"), "#[cfg(feature = \"alpha\")]");
    let shared_things = paths.split("impl SharedThings").nth(1).unwrap_or_default();
    assert_eq!(cfg_above(shared_things, "pub fn get("), "#[cfg(feature = \"beta\")]");
    let root = file(&files, "src/beta/mod.rs");
    assert_eq!(cfg_above(&root, "pub fn only_as("), "#[cfg(feature = \"alpha\")]");
    assert_eq!(cfg_above(&root, "pub fn shared_things("), "#[cfg(feature = \"beta\")]");
    // An operation two areas' pages describe belongs to both, and so does the type it answers.
    let both = "#[cfg(any(feature = \"alpha\", feature = \"gamma\"))]";
    assert_eq!(cfg_above(&root, "pub fn gamma_thing("), both);
    assert_eq!(cfg_above(&paths, "pub(crate) const GET_GAMMA_THING"), both);
    let models = file(&files, "src/beta/models.rs");
    assert_eq!(cfg_above(&models, "pub struct GammaThing "), both);
    // A type reached needs its fields' types, not its base (its inherited fields are its own) nor
    // its base's other derived types.
    assert_eq!(cfg_above(&models, "pub struct LeftKind "), both);
    assert_eq!(cfg_above(&models, "pub struct Kind "), "#[cfg(feature = \"full\")]");
    assert_eq!(cfg_above(&models, "pub struct RightKind "), "#[cfg(feature = \"full\")]");
}
