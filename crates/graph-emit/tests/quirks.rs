//! The emitter on a small hand-made model that packs the quirks the five sample pages lack:
//! polymorphism three levels deep, recursive types, keyword and colliding property names, a type
//! named like a std type, enums with an `unknown` member, function-call segments, a function whose
//! parameters the page lists as a body, two key parameters under one node, a shared HTTP method on
//! one node, a derived type's pages at its base's paths, and examples that cannot become tests.
//!
//! Set `GRAPH_EMIT_WRITE_TO=<dir>` to also write the emitted crate there (standalone), to compile it
//! by hand with `cargo clippy --all-targets -- -D warnings && cargo test`.

use graph_emit::{emit_crate, EmitOptions, GeneratedFile};
use graph_ir::*;
use serde_json::json;

fn span(line: u32) -> Span {
    Span::new("quirks.md", line)
}

fn property(name: &str, type_ref: TypeRef) -> Property {
    Property {
        name: name.to_owned(),
        type_ref,
        description: None,
        read_only: false,
        required: None,
        possible_values: Vec::new(),
        origin: Origin::Documented,
        span: span(10),
    }
}

fn named(name: &str) -> TypeRef {
    TypeRef::Named(name.to_owned())
}

fn collection(item: TypeRef) -> TypeRef {
    TypeRef::Collection(Box::new(item))
}

fn string() -> TypeRef {
    TypeRef::Primitive(Primitive::String)
}

fn object(
    name: &str,
    kind: TypeKind,
    base: Option<&str>,
    derived: &[&str],
    properties: Vec<Property>,
) -> TypeDef {
    let mut properties = properties;
    properties.sort_by(|a, b| a.name.cmp(&b.name));
    TypeDef {
        description: Some(format!("A {name} for tests: <b>bold</b> [link] and ```code```.")),
        base_type: base.map(str::to_owned),
        derived_types: derived.iter().map(|d| (*d).to_owned()).collect(),
        properties,
        ..TypeDef::new(ApiVersion::Beta, name, kind, Origin::Documented, span(1))
    }
}

fn enumeration(name: &str, members: &[&str]) -> TypeDef {
    let mut def = object(name, TypeKind::Enum, None, &[], Vec::new());
    def.members = members
        .iter()
        .map(|member| EnumMember {
            name: (*member).to_owned(),
            description: None,
            origin: Origin::Documented,
            span: span(20),
        })
        .collect();
    def
}

fn literal(name: &str) -> PathSegment {
    PathSegment::Literal { name: name.to_owned() }
}

fn parameter(name: &str) -> PathSegment {
    PathSegment::Parameter { name: name.to_owned() }
}

fn path(raw: &str, segments: Vec<PathSegment>) -> PathTemplate {
    PathTemplate { raw: raw.to_owned(), segments, span: span(30) }
}

fn operation(
    name: &str,
    method: HttpMethod,
    paths: Vec<PathTemplate>,
    status: u16,
    body: Option<TypeRef>,
) -> Operation {
    Operation {
        version: ApiVersion::Beta,
        name: name.to_owned(),
        kind: OperationKind::Other,
        title: format!("The {name} operation"),
        description: None,
        method,
        paths,
        request_headers: Vec::new(),
        query_options: Vec::new(),
        request_body: None,
        response: Response { status, body, span: span(40) },
        permissions: Permissions {
            order: PrivilegeOrder::MostToLeast,
            entries: vec![
                PermissionEntry {
                    kind: PermissionKind::DelegatedWorkOrSchool,
                    workload: Some("Onboarding".to_owned()),
                    scopes: PermissionScopes::Scopes(vec![
                        "Nodes.ReadWrite.All".to_owned(),
                        "Nodes.Read.All".to_owned(),
                    ]),
                    span: span(50),
                },
                PermissionEntry {
                    kind: PermissionKind::Application,
                    workload: None,
                    scopes: PermissionScopes::Unknown,
                    span: span(51),
                },
            ],
            include: None,
            span: Some(span(49)),
        },
        examples: Vec::new(),
        national_clouds: Vec::new(),
        sources: vec![Span::new(format!("{name}.md"), 1)],
        narrowed: None,
    }
}

fn example(
    method: HttpMethod,
    path: &str,
    body: Option<serde_json::Value>,
    status: u16,
    response: Option<serde_json::Value>,
) -> Example {
    Example {
        name: None,
        request: Some(ExampleRequest {
            method,
            url: format!("https://graph.microsoft.com/beta{path}"),
            version: Some(ApiVersion::Beta),
            path: path.to_owned(),
            query: None,
            headers: Vec::new(),
            body,
            span: span(60),
        }),
        response: Some(ExampleResponse {
            status,
            headers: Vec::new(),
            body: response,
            truncated: false,
            span: span(70),
        }),
    }
}

fn node_key() -> Vec<PathSegment> {
    vec![literal("nodes"), parameter("node-id")]
}

/// The quirky model.
fn quirks() -> Api {
    let node_properties = vec![
        property("parent", named("node")),
        property("children", collection(named("node"))),
        property("type", string()),
        property("fooBar", string()),
        property("foo_bar", string()),
        property("self", TypeRef::Primitive(Primitive::Boolean)),
        property("3dModel", TypeRef::Primitive(Primitive::Int32)),
        property("odataType", string()),
        // A page listing the type member itself as a property.
        property("@odata.type", string()),
        property("elsewhere", named("typeNotInTheInput")),
        property("createdDateTime", TypeRef::Primitive(Primitive::DateTimeOffset)),
        property("status", named("status")),
        property("weight", TypeRef::Primitive(Primitive::Double)),
        property("wrapper", named("string")),
    ];
    let types = vec![
        object("entity", TypeKind::Entity, None, &["node"], vec![property("id", string())]),
        object("node", TypeKind::Entity, Some("entity"), &["leafNode"], node_properties),
        object("leafNode", TypeKind::Complex, Some("node"), &[], vec![property("leafOnly", string())]),
        // Not listed in node's derived_types: found through its base_type.
        object(
            "deepLeafNode",
            TypeKind::Complex,
            Some("leafNode"),
            &[],
            vec![property("type", TypeRef::Primitive(Primitive::Int64))],
        ),
        object("selfLoop", TypeKind::Complex, None, &[], vec![property("next", named("selfLoop"))]),
        object("string", TypeKind::Complex, None, &[], vec![property("value", named("selfLoop"))]),
        enumeration("status", &["unknown", "active", "Active", "unknownFutureValue"]),
        enumeration("emptyEnum", &[]),
    ];

    let mut get_node = operation(
        "getNode",
        HttpMethod::GET,
        vec![path("/nodes/{node-id}", node_key())],
        200,
        Some(named("node")),
    );
    get_node.examples = vec![
        example(
            HttpMethod::GET,
            "/nodes/a%2Fb c",
            None,
            200,
            Some(json!({
                "@odata.type": "#microsoft.graph.deepLeafNode",
                "id": "1",
                "type": 7,
                "weight": 2.0,
                "parent": {"@odata.type": "#microsoft.graph.somethingNew", "id": "0", "extra": [1, 2]},
                "children": [{"id": "2", "status": "active"}, {"@odata.type": "#microsoft.graph.leafNode", "status": "brandNew"}],
                "self": true,
                "3dModel": 3,
                "fooBar": "a",
                "foo_bar": "b",
                "wrapper": {"value": {"next": {"next": {}}}},
                "createdDateTime": null
            })),
        ),
        example(HttpMethod::GET, "/elsewhere/{id}", None, 200, Some(json!({"id": "x"}))),
        example(HttpMethod::GET, "/nodes/{node-id}", None, 404, Some(json!({"error": {"code": "NotFound"}}))),
    ];
    get_node.request_headers = [
        ("Authorization", "Bearer {token}. Required.", true),
        ("ConsistencyLevel", "eventual. Required when `$count` is asked for.", false),
        ("Prefer", "", true),
    ]
    .into_iter()
    .map(|(name, description, required)| Header {
        name: name.to_owned(),
        description: description.to_owned(),
        required,
        span: span(44),
    })
    .collect();
    get_node.national_clouds = vec!["Global service".to_owned(), "US Government L4".to_owned()];
    // `top` as well as `$top`: a parameter of the operation's own, not the system option.
    get_node.query_options = ["$select", "$expand", "$top", "$count", "$deltatoken", "top"]
        .iter()
        .map(|name| QueryOption { name: (*name).to_owned(), span: span(45) })
        .collect();
    // Documented as Intune's update pages document theirs: `200 OK` with the object.
    let mut update_node = operation(
        "updateNode",
        HttpMethod::PATCH,
        vec![path("/nodes/{node-id}", node_key())],
        200,
        Some(named("node")),
    );
    update_node.request_body =
        Some(RequestBody::Resource { type_ref: named("node"), properties: Vec::new(), span: span(80) });
    update_node.examples = vec![
        example(
            HttpMethod::PATCH,
            "/nodes/{node-id}",
            Some(json!({"@odata.type": "#microsoft.graph.leafNode", "leafOnly": "x", "status": "unknown"})),
            200,
            Some(json!({"@odata.type": "#microsoft.graph.leafNode", "id": "n1", "leafOnly": "x"})),
        ),
        // JSON the model cannot read: a string for a Double, deep in a derived type's inherited list.
        example(
            HttpMethod::PATCH,
            "/nodes/{node-id}",
            Some(json!({"@odata.type": "#microsoft.graph.leafNode", "children": [{"weight": "heavy"}]})),
            204,
            None,
        ),
    ];
    let delete_node =
        operation("deleteNode", HttpMethod::DELETE, vec![path("/nodes/{node-id}", node_key())], 204, None);
    let other_delete =
        operation("purgeNode", HttpMethod::DELETE, vec![path("/nodes/{node-id}", node_key())], 204, None);
    let by_name = operation(
        "getNodeByName",
        HttpMethod::GET,
        vec![path("/nodes/{nodeName}", vec![literal("nodes"), parameter("nodeName")])],
        200,
        Some(named("node")),
    );
    let mut list = operation(
        "listNodes",
        HttpMethod::GET,
        vec![path("/nodes", vec![literal("nodes")])],
        200,
        Some(collection(named("node"))),
    );
    list.examples = vec![
        example(
            HttpMethod::GET,
            "/nodes",
            None,
            200,
            Some(json!({"@odata.context": "x", "value": [{"id": "1"}], "@odata.nextLink": "https://next"})),
        ),
        // The items shown bare, not in the page OData sends.
        example(HttpMethod::GET, "/nodes", None, 200, Some(json!([{"id": "1"}]))),
    ];
    let mut report = operation(
        "getReport",
        HttpMethod::GET,
        vec![path(
            "/reports/getReport(period='{period}',top={top})",
            vec![
                literal("reports"),
                PathSegment::Call {
                    name: "getReport".to_owned(),
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
        )],
        200,
        Some(TypeRef::Primitive(Primitive::String)),
    );
    report.examples = vec![
        example(
            HttpMethod::GET,
            "/reports/getReport(period='D''7',top=5)",
            None,
            200,
            Some(json!({"@odata.context": "$metadata#Edm.String", "value": "report"})),
        ),
        // A single value shown bare, not as OData sends it.
        example(HttpMethod::GET, "/reports/getReport(period='D7',top=5)", None, 200, Some(json!("report"))),
    ];
    // A body of a derived type sent to its base's collection: the method names its type.
    let mut create_leaf = operation(
        "createLeafNode",
        HttpMethod::POST,
        vec![path("/nodes", vec![literal("nodes")])],
        201,
        Some(named("leafNode")),
    );
    create_leaf.request_body =
        Some(RequestBody::Resource { type_ref: named("leafNode"), properties: Vec::new(), span: span(80) });
    create_leaf.examples = vec![example(
        HttpMethod::POST,
        "/nodes",
        Some(json!({"leafOnly": "x"})),
        201,
        Some(json!({"@odata.type": "#microsoft.graph.leafNode", "id": "n2", "leafOnly": "x"})),
    )];
    // An enum result, which OData sends as `{"value": "member"}` too.
    let mut node_status = operation(
        "getNodeStatus",
        HttpMethod::GET,
        vec![path(
            "/nodes/{node-id}/status",
            vec![literal("nodes"), parameter("node-id"), literal("status")],
        )],
        200,
        Some(named("status")),
    );
    node_status.examples =
        vec![example(HttpMethod::GET, "/nodes/n1/status", None, 200, Some(json!({"value": "active"})))];
    let mut weigh = operation(
        "nodesWeigh",
        HttpMethod::POST,
        vec![path(
            "/nodes/{node-id}/microsoft.graph.leafNode/weigh",
            vec![
                literal("nodes"),
                parameter("node-id"),
                PathSegment::Cast { namespace: "microsoft.graph".into(), type_name: "leafNode".into() },
                literal("weigh"),
            ],
        )],
        200,
        Some(named("leafNode")),
    );
    weigh.request_body = Some(RequestBody::Parameters {
        parameters: vec![
            property("scale", TypeRef::Primitive(Primitive::Double)),
            property("type", string()),
        ],
        span: span(90),
    });
    weigh.examples = vec![
        example(
            HttpMethod::POST,
            "/nodes/n1/microsoft.graph.leafNode/weigh",
            Some(json!({"scale": 1.0, "type": "kg"})),
            200,
            None,
        ),
        example(
            HttpMethod::POST,
            "/nodes/n1/microsoft.graph.leafNode/weigh",
            Some(json!({"scale": [1.0], "type": "kg"})),
            200,
            None,
        ),
    ];

    // A function whose page lists its parameters as a request body: a GET sends them in the URL.
    let mut history = operation(
        "nodesHistory",
        HttpMethod::GET,
        vec![path(
            "/nodes/{node-id}/history",
            vec![literal("nodes"), parameter("node-id"), literal("history")],
        )],
        200,
        Some(collection(named("node"))),
    );
    history.request_body = Some(RequestBody::Parameters {
        parameters: vec![
            property("since", TypeRef::Primitive(Primitive::DateTimeOffset)),
            property("kinds", collection(string())),
            property("minWeight", TypeRef::Primitive(Primitive::Double)),
        ],
        span: span(95),
    });
    let response = || Some(json!({"value": [{"id": "1"}]}));
    let mut by_alias = example(
        HttpMethod::GET,
        "/nodes/n1/history(since=2021-03-01T00:00:00Z,kinds=@k,minWeight=2)",
        None,
        200,
        response(),
    );
    if let Some(request) = by_alias.request.as_mut() {
        request.query = Some("@k=[%22leaf%22,%22inner%22]".to_owned());
    }
    history.examples = vec![
        by_alias,
        example(HttpMethod::GET, "/nodes/n1/history(since='noon, or so')", None, 200, response()),
        example(HttpMethod::GET, "/nodes/n1/history(minWeight='heavy')", None, 200, response()),
    ];

    // An action named like a std trait method (`clone`) must not make clippy think the builder
    // should implement `Clone`.
    let clone = operation(
        "nodesClone",
        HttpMethod::POST,
        vec![path("/nodes/{node-id}/clone", vec![literal("nodes"), parameter("node-id"), literal("clone")])],
        204,
        None,
    );
    // An `Edm.Stream` result: its bytes as they came, whatever the page's example shows.
    let mut export = operation(
        "nodesExport",
        HttpMethod::POST,
        vec![path(
            "/nodes/{node-id}/export",
            vec![literal("nodes"), parameter("node-id"), literal("export")],
        )],
        200,
        Some(TypeRef::Primitive(Primitive::Stream)),
    );
    export.examples =
        vec![example(HttpMethod::POST, "/nodes/n1/export", None, 200, Some(json!({"value": "bm9kZXM="})))];
    // A first segment named like the version client's own `new` (and `runtime`) must not collide.
    let renew = operation("renew", HttpMethod::POST, vec![path("/new", vec![literal("new")])], 204, None);
    // A derived type's own pages at its base's paths, where the service answers every `node` (the
    // parser finds them: `narrowed`).
    let narrowed = |wider_operation: &str, wider_path: PathTemplate| Narrowing {
        kept: vec!["leafNode".to_owned(), "deepLeafNode".to_owned()],
        wider_type: "node".to_owned(),
        wider_operation: wider_operation.to_owned(),
        wider_path,
    };
    let mut list_leaves = operation(
        "listLeafNodes",
        HttpMethod::GET,
        vec![path("/nodes", vec![literal("nodes")])],
        200,
        Some(collection(named("leafNode"))),
    );
    list_leaves.narrowed = Some(narrowed("listNodes", path("/nodes", vec![literal("nodes")])));
    let mut get_leaf = operation(
        "getLeafNode",
        HttpMethod::GET,
        vec![path("/nodes/{node-id}", node_key())],
        200,
        Some(named("leafNode")),
    );
    get_leaf.narrowed = Some(narrowed("getNode", path("/nodes/{node-id}", node_key())));
    let mut operations = vec![
        list_leaves,
        get_leaf,
        get_node,
        update_node,
        delete_node,
        other_delete,
        by_name,
        list,
        report,
        node_status,
        create_leaf,
        weigh,
        history,
        clone,
        export,
        renew,
    ];
    operations.sort_by(|a, b| (a.version, &a.name).cmp(&(b.version, &b.name)));
    Api { pages: Vec::new(), operations, types, diagnostics: Vec::new() }
}

fn emit() -> Vec<GeneratedFile> {
    let options = EmitOptions {
        crate_name: "quirks-client".to_owned(),
        runtime_path: concat!(env!("CARGO_MANIFEST_DIR"), "/../graph-runtime").to_owned(),
        standalone: true,
    };
    let files = match emit_crate(&quirks(), &options) {
        Ok(files) => files,
        Err(error) => panic!("{error}"),
    };
    if let Some(dir) = std::env::var_os("GRAPH_EMIT_WRITE_TO") {
        for file in &files {
            let path = std::path::Path::new(&dir).join(&file.path);
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(path, &file.contents);
        }
    }
    files
}

/// Text without whitespace and without the trailing commas prettyplease adds when it wraps, so
/// assertions do not depend on line width.
fn squash(text: &str) -> String {
    let bare: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    bare.replace(",)", ")").replace(",>", ">")
}

fn squashed_contains(text: &str, part: &str) -> bool {
    squash(text).contains(&squash(part))
}

fn file(files: &[GeneratedFile], path: &str) -> String {
    files.iter().find(|file| file.path == path).map(|file| file.contents.clone()).unwrap_or_default()
}

#[test]
fn quirky_model_files_match_their_snapshots() {
    for file in emit() {
        if file.path == "Cargo.toml" {
            continue; // holds this machine's absolute runtime path
        }
        let name = file.path.replace(['/', '.'], "_");
        insta::assert_snapshot!(name, &file.contents);
    }
}

#[test]
fn polymorphism_covers_every_transitive_derived_type() {
    let models = file(&emit(), "src/beta/models.rs");
    for variant in ["Node(Node),", "LeafNode(LeafNode),", "DeepLeafNode(DeepLeafNode),", "Unknown(Node),"] {
        assert!(models.contains(variant), "AnyNode lacks {variant}");
    }
    assert!(models.contains("Some(\"deepLeafNode\") =>"));
    // Properties typed `node` accept any derived node.
    assert!(models.contains("pub children: Option<Vec<AnyNode>>"));
}

#[test]
fn recursive_types_are_boxed_and_only_where_needed() {
    let models = file(&emit(), "src/beta/models.rs");
    assert!(models.contains("pub next: Option<Box<SelfLoop>>"), "selfLoop.next must be boxed");
    assert!(models.contains("pub parent: Option<Box<AnyNode>>"), "node.parent must be boxed");
    assert!(models.contains("pub value: Option<SelfLoop>"), "string.value needs no box");
}

#[test]
fn awkward_property_names_become_distinct_fields() {
    let models = file(&emit(), "src/beta/models.rs");
    for field in [
        "pub r#type: Option<String>",
        "pub foo_bar: Option<String>",
        "pub foo_bar2: Option<String>",
        "pub self_: Option<bool>",
        "pub _3d_model: Option<i32>",
        "pub odata_type2: Option<String>",
        "pub elsewhere: Option<serde_json::Value>",
        "pub wrapper: Option<String2>",
    ] {
        assert!(models.contains(field), "missing `{field}`");
    }
    // `@odata.type` as a documented property is the `odata_type` every model has: read and
    // written once.
    let node = models.split("impl Serialize for Node {").nth(1).unwrap_or_default();
    let node = node.split("impl<'de> Deserialize<'de> for Node {").collect::<Vec<_>>();
    let (write, read) = (node.first().copied().unwrap_or_default(), node.get(1).copied().unwrap_or_default());
    let read = read.split("impl").next().unwrap_or_default();
    assert_eq!(write.matches("\"@odata.type\"").count(), 1, "{write}");
    assert_eq!(read.matches("\"@odata.type\"").count(), 1, "{read}");
    // Each field is read and written under its wire name.
    assert!(models.contains("self_: object.take(\"self\")?"));
    assert!(models.contains("object.field(\"self\", &self.self_)?;"));
    assert!(models.contains("r#type: object.take(\"type\")?"));
    // The derived type redeclares `type` as Int64: its own declaration wins, once.
    let deep = models.split("pub struct DeepLeafNode").nth(1).unwrap_or_default();
    let deep = deep.split("pub struct").next().unwrap_or_default();
    assert_eq!(deep.matches("pub r#type:").count(), 1);
    assert!(deep.contains("pub r#type: Option<i64>"));
}

#[test]
fn enums_keep_unknown_members_apart_from_unknown_values() {
    let models = file(&emit(), "src/beta/models.rs");
    assert!(models.contains("Unknown2,"), "the `unknown` member");
    assert!(models.contains("Active2,"), "`Active` collides with `active`");
    assert!(models.contains("\"unknown\" => Status::Unknown2"));
    assert!(models.contains("Ok(EmptyEnum::Unknown(value))"));
}

#[test]
fn builders_cover_calls_two_keys_and_shared_methods() {
    let files = emit();
    let paths = file(&files, "src/beta/paths.rs");
    assert!(paths.contains("pub fn get_report(&self, period: &str, top: &str)"));
    // Each argument written by the runtime: quoted ones with `'` doubled, a bare one quoted unless
    // it is a literal, so that no value can end its argument or add another.
    assert!(squashed_contains(
        &paths,
        r#""getReport(period='{}',top={})",
           graph_runtime::RequestPath::call_argument(period, true),
           graph_runtime::RequestPath::call_argument(top, false)"#
    ));
    assert!(paths.contains("pub fn by_node_id(&self, node_id: &str)"));
    assert!(squashed_contains(&paths, "pub fn clone2(&self) -> NodesItemClone"));
    let client = file(&files, "src/beta/mod.rs");
    assert!(client.contains("pub fn new(client: graph_runtime::Client) -> Client"));
    assert!(client.contains("pub fn runtime(&self) -> &graph_runtime::Client"));
    assert!(squashed_contains(&client, "pub fn new2(&self) -> paths::New"));
    assert!(paths.contains("pub fn by_node_name(&self, node_name: &str)"));
    // Every operation method returns the runtime's `Request`, typed by response, options and body.
    let squashed = squash(&paths);
    let no_content =
        "-> graph_runtime::Request<'static, graph_runtime::NoContent, graph_runtime::options::NoOptions>";
    for method in ["pub fn delete_node(&self)", "pub fn purge_node(&self)"] {
        assert!(squashed.contains(&squash(&format!("{method} {no_content}"))), "{method}: {paths}");
    }
    // An update documented with the object yields it when it comes, `None` for `204 No Content`.
    let patch = "pub fn patch<'body>(&self, body: &'body models::AnyNode) -> graph_runtime::Request<'body, \
                 graph_runtime::JsonOrNoContent<models::AnyNode>, graph_runtime::options::NoOptions, \
                 models::AnyNode>";
    assert!(squashed.contains(&squash(patch)), "{paths}");
    assert!(squashed.contains(&squash(
        "/// Returns `200 OK` with `node` in the body; the service may answer `204 No Content` instead \
         (Intune's do, and `Prefer: return=minimal` asks for it), so `.await` yields an `Option`."
    )));
    assert!(squashed.contains(&squash("graph_runtime::Paged<models::AnyNode>")));
    assert!(paths.contains("Permissions (from most to least privileged):"));
    assert!(paths.contains(
        "- Delegated (work or school account), Onboarding: `Nodes.ReadWrite.All`, `Nodes.Read.All`"
    ));
    assert!(paths.contains("- Application: not stated in the docs"));
}

#[test]
fn a_get_functions_body_parameters_go_in_the_url() {
    let files = emit();
    let paths = file(&files, "src/beta/paths.rs");
    assert!(
        squashed_contains(
            &paths,
            "pub fn get(&self, parameters: &models::NodesHistoryRequest) -> graph_runtime::Request<'static, \
             graph_runtime::Paged<models::AnyNode>, graph_runtime::options::NoOptions>"
        ),
        "{paths}"
    );
    assert!(squashed_contains(&paths, ".arguments(parameters, &[\"since\"])"), "{paths}");
    // An action's parameters stay its body.
    assert!(squashed_contains(&paths, "pub fn post<'body>(&self, body: &'body models::NodesWeighRequest)"));
}

#[test]
fn query_options_become_typed_setters_and_lists_page() {
    let files = emit();
    let paths = file(&files, "src/beta/paths.rs");
    let lib = file(&files, "src/lib.rs");
    // getNode lists six options: its request's marker unlocks those setters and nothing else,
    // `$deltatoken` and its own `top` through the by-name parameter.
    let marker = "SelectExpandTopCountParamsDeltatokenTop";
    let get = format!(
        "pub fn get_node(&self) -> graph_runtime::Request<'static, graph_runtime::Json<models::AnyNode>, \
         crate::options::{marker}>"
    );
    assert!(squashed_contains(&paths, &get), "{paths}");
    assert!(lib.contains(&format!("pub enum {marker} {{}}")), "{lib}");
    let impls: Vec<&str> =
        lib.lines().map(str::trim).filter(|line| line.contains(&format!("for {marker} {{}}"))).collect();
    assert_eq!(
        impls,
        ["Select", "Expand", "Top", "Count", "Params"]
            .map(|option| format!("impl graph_runtime::options::{option} for {marker} {{}}"))
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        "{lib}"
    );
    assert!(lib.contains("`$deltatoken` (with `param`)"), "{lib}");
    assert!(lib.contains("`top` (with `param`)"), "{lib}");
    // A GET of a collection pages even without options (the two lists, and the function that takes
    // its parameters in the URL); nothing else does.
    let list = "-> graph_runtime::Request<'static, graph_runtime::Paged<models::AnyNode>, \
                graph_runtime::options::NoOptions>";
    assert!(squashed_contains(&paths, list), "{paths}");
    assert_eq!(squash(&paths).matches("graph_runtime::Paged<").count(), 3, "{paths}");
}

#[test]
fn examples_that_cannot_be_tests_leave_a_comment() {
    let tests = file(&emit(), "tests/examples.rs");
    assert!(tests.contains(
        "// getNode example 2: no mock-server test, because its path `/elsewhere/{id}` matches none of the operation's paths."
    ));
    assert!(tests.contains(
        "// getNode example 3: no mock-server test, because the example's response status is 404."
    ));
    assert!(tests.contains("fn get_node_example_1_sends_the_request()"));
    assert!(tests.contains(r#".by_node_id("a/b c")"#));
    assert!(tests.contains(r#""/beta/nodes/a%2Fb%20c","#), "{tests}");
    assert!(tests.contains(r#".get_report("D'7", "5")"#));
    assert!(tests.contains(
        "// nodesWeigh example 1: no mock-server test, because the example response has no JSON body."
    ));
    // Examples whose JSON the model cannot read get a comment where their tests would fail.
    assert!(tests.contains(
        "// updateNode example 2: no tests, because its JSON does not fit the model: the request body at \
         quirks.md:60, `.children[0].weight`: a string where the model expects Double."
    ));
    assert!(tests.contains(
        "// nodesWeigh example 2: no tests, because its JSON does not fit the model: the request body at \
         quirks.md:60, `.scale`: an array where the model expects Double."
    ));
    assert!(!tests.contains("fn update_node_example_2_") && !tests.contains("fn nodes_weigh_example_2_"));
    // A function's arguments from the example's URL: where the runtime would refuse them, or they do
    // not fit the parameters, a comment says so.
    assert!(tests.contains(
        "// nodesHistory example 2: no mock-server test, because the runtime refuses its arguments: \
         parameter `since` is not a GUID, date, time or duration: \"noon, or so\"."
    ));
    assert!(tests.contains(
        "// nodesHistory example 3: no mock-server test, because its arguments do not fit the \
         parameters: `.minWeight`: a string where the model expects Double."
    ));
}

#[test]
fn a_stream_result_is_read_as_its_bytes() {
    let files = emit();
    let paths = file(&files, "src/beta/paths.rs");
    assert!(
        squashed_contains(
            &paths,
            "-> graph_runtime::Request<'static, graph_runtime::Raw, graph_runtime::options::NoOptions>"
        ),
        "{paths}"
    );
    assert!(
        paths.contains("/// Returns `200 OK` with a `Stream` in the body, yielded as its bytes"),
        "{paths}"
    );
    let tests = file(&files, "tests/examples.rs");
    assert!(tests.contains(
        "// nodesExport example 1: no response round trip, because the response is a stream, read as its \
         bytes rather than a JSON model."
    ));
    assert!(squashed_contains(
        &tests,
        "exchange.assert_raw(response, NODES_EXPORT_EXAMPLE_1_RESPONSE).await;"
    ));
    assert!(squashed_contains(
        &tests,
        "async fn assert_raw(&self, response: Result<graph_runtime::Bytes, graph_runtime::Error>, served: &str)"
    ));
}

#[test]
fn a_primitive_or_enum_result_is_read_as_a_single_value() {
    let files = emit();
    let paths = squash(&file(&files, "src/beta/paths.rs"));
    for value in ["String", "models::Status"] {
        let expect = format!("graph_runtime::Json<graph_runtime::odata::Single<{value}>>");
        assert!(paths.contains(&squash(&expect)), "{expect}: {paths}");
    }
    // The docs say where the result is: a `Single`'s `.value`, once for each of the two methods.
    let said =
        "OData sends the result as `{\"value\": …}`: `.await` yields a `graph_runtime::odata::Single`, \
                whose `.value` is the result.";
    assert_eq!(paths.matches(&squash(said)).count(), 2, "{paths}");
    let tests = file(&files, "tests/examples.rs");
    assert!(squashed_contains(&tests, "assert_round_trip::<graph_runtime::odata::Single<String>>"));
    assert!(squashed_contains(
        &tests,
        "exchange.assert_answered(response, GET_NODE_STATUS_EXAMPLE_1_RESPONSE).await;"
    ));
    assert!(tests.contains(
        "// getReport example 2: no tests, because its JSON does not fit the model: the response body at \
         quirks.md:70, `.value`: absent, where OData puts a single value."
    ));
    assert!(tests.contains(
        "// listNodes example 2: no tests, because its JSON does not fit the model: the response body at \
         quirks.md:70, `.value`: absent, where OData puts a list's items."
    ), "{tests}");
}

#[test]
fn a_body_of_a_derived_type_is_sent_naming_it() {
    let files = emit();
    let paths = file(&files, "src/beta/paths.rs");
    assert!(paths.contains(r##"request.body(body).body_type("#microsoft.graph.leafNode")"##), "{paths}");
    // `node` derives from `entity` only: the URL's own type, sent as it is.
    assert_eq!(paths.matches(".body_type(").count(), 1, "{paths}");
    // The example's body names no type; the test expects it with the one the runtime adds.
    let tests = file(&files, "tests/examples.rs");
    let start = tests.find("async fn create_leaf_node_example_1_sends_the_request").expect("the test");
    let test = squash(&tests[start..]);
    assert!(test.contains(&squash(
        r###"Some(r##"{ "@odata.type": "#microsoft.graph.leafNode", "leafOnly": "x" }"##)"###
    )));
    assert!(test.contains(&squash(
        "let body: quirks_client::beta::models::AnyLeafNode = example(CREATE_LEAF_NODE_EXAMPLE_1_REQUEST);"
    )));
}

#[test]
fn a_function_s_example_call_is_expected_as_the_runtime_writes_it() {
    let tests = file(&emit(), "tests/examples.rs");
    let test = tests
        .split("async fn nodes_history_example_1_sends_the_request()")
        .nth(1)
        .and_then(|rest| rest.split("\n}\n").next())
        .unwrap_or_else(|| panic!("no test of nodesHistory's first example: {tests}"));
    // Sorted by name, the date bare (its `:` percent-encoded as in any segment), the collection by an
    // alias named for its parameter (not the page's `@k`), the whole number in a Double written as
    // the struct writes it.
    let path = "/beta/nodes/n1/history(kinds=@kinds,minWeight=2.0,since=2021-03-01T00%3A00%3A00Z)";
    assert!(test.contains(&format!("\"{path}\"")), "{test}");
    assert!(
        squashed_contains(
            test,
            "let parameters: quirks_client::beta::models::NodesHistoryRequest = example("
        ),
        "{test}"
    );
    assert!(squashed_contains(test, ".history().get(&parameters).await;"), "{test}");
    assert!(
        squashed_contains(test, r##"exchange.assert_aliases(&[("@kinds", r#"["leaf","inner"]"#)]).await;"##),
        "{test}"
    );
}

#[test]
fn a_narrowed_get_reads_only_its_own_types_and_says_so() {
    let files = emit();
    let paths = file(&files, "src/beta/paths.rs");
    // The `Operation` const named `name`, through its `;`.
    let const_text = |name: &str| {
        let start =
            paths.find(&format!("const {name}: Operation")).unwrap_or_else(|| panic!("{name}: {paths}"));
        let end = paths[start..].find(';').map_or(paths.len(), |end| start + end + 1);
        squash(&paths[start..end])
    };
    // The derived type's list and get keep `leafNode` and the type derived from it.
    for name in ["LIST_LEAF_NODES", "GET_LEAF_NODE"] {
        let narrowed = squash(r#".narrowed_to(&["leafNode", "deepLeafNode"]);"#);
        assert!(const_text(name).ends_with(&narrowed), "{}", const_text(name));
    }
    // The others read whatever comes.
    for name in ["LIST_NODES", "GET_NODE", "CREATE_LEAF_NODE", "UPDATE_NODE"] {
        assert!(!const_text(name).contains("narrowed_to"), "{}", const_text(name));
    }
    assert_eq!(paths.matches(".narrowed_to(").count(), 2);
    assert!(squashed_contains(
        &paths,
        "/// The service answers other types here too: another page documents `GET /nodes` answering every \
         `node` (`list_nodes`). `.await`, `.pager()` and `.items()` keep the items of type `leafNode` (or of a \
         type derived from it) and leave the others out, so a page may hold fewer items than `$top` asks for, or \
         none, and `@odata.count` counts them all; an item without `@odata.type` is kept."
    ));
    assert!(squashed_contains(
        &paths,
        "/// The service answers other types here too: another page documents `GET /nodes/{node-id}` answering \
         any `node` (`get_node`). An object of another type is a `graph_runtime::Error::Decode` at \
         `@odata.type`, not an object of type `leafNode` with the wrong fields; an object without \
         `@odata.type` is read."
    ));
}

#[test]
fn documented_headers_and_national_clouds_reach_the_methods_docs() {
    let paths = file(&emit(), "src/beta/paths.rs");
    let get = paths.split("pub fn get(").next().unwrap_or_default();
    let doc = get.rsplit("/// The getNode operation.").next().unwrap_or_default();
    for line in [
        "/// Request headers the page documents (`.header(name, value)` sets one):",
        "/// - `ConsistencyLevel`: eventual. Required when `$count` is asked for.",
        "/// - `Prefer`: required.",
        "/// Available in: Global service, US Government L4.",
    ] {
        assert!(doc.contains(line), "missing {line:?} in\n{doc}");
    }
    assert!(!doc.contains("`Authorization`"), "the runtime sends it: {doc}");
}
