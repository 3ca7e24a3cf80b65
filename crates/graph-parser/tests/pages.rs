//! The model of each docs-input page (insta snapshots) and of all of them merged.

use graph_ir::{ApiVersion, DiagnosticCode, HttpMethod, OperationKind, PageModel, Primitive, TypeRef};

fn parse(path: &std::path::Path) -> PageModel {
    let bytes = std::fs::read(path).unwrap_or_default();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    graph_parser::parse_page(&name, &bytes)
}

/// The model of `pages` (a path under a version folder, and its text), as beta pages.
fn build_beta(pages: &[(&str, String)]) -> graph_ir::Api {
    graph_parser::build_api(
        pages
            .iter()
            .map(|(file, text)| {
                graph_parser::parse_page(&format!("api-reference/beta/{file}"), text.as_bytes())
            })
            .collect(),
    )
}

fn docs_input() -> Vec<PageModel> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs-input");
    let mut paths: Vec<_> =
        std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    paths.retain(|p| p.file_name().is_some_and(|n| n != "README.md"));
    paths.sort();
    paths.iter().map(|p| parse(p)).collect()
}

#[test]
fn page_models() {
    insta::glob!("../../../docs-input", "0*", |path| {
        insta::assert_yaml_snapshot!(parse(path));
    });
}

#[test]
fn merged_model() {
    insta::assert_yaml_snapshot!(graph_parser::build_api(docs_input()));
}

#[test]
fn the_stub_and_the_current_page_merge_into_one_operation_with_real_text() {
    let api = graph_parser::build_api(docs_input());
    let merged: Vec<_> = api
        .operations
        .iter()
        .filter(|o| o.version == ApiVersion::Beta && o.name == "createEnrollmentConfigurationAssignment")
        .collect();
    assert_eq!(merged.len(), 1);
    let op = merged[0];
    assert_eq!(op.sources.len(), 2, "both pages are sources: {:?}", op.sources);
    assert_eq!(op.examples.len(), 2);
    let ty = api
        .types
        .iter()
        .find(|t| t.version == ApiVersion::Beta && t.name == "enrollmentConfigurationAssignment");
    let id = ty.and_then(|t| t.properties.iter().find(|p| p.name == "id"));
    assert_eq!(
        id.and_then(|p| p.description.as_deref()),
        Some("Key of the enrollment configuration assignment")
    );
    let no_todo_text = serde_json::to_string(&api.operations).unwrap_or_default();
    assert!(!no_todo_text.contains("TODO"), "a placeholder leaked into the model");
}

#[test]
fn thirteen_paths_across_four_operations() {
    let api = graph_parser::build_api(docs_input());
    let mut lines: Vec<String> = api
        .operations
        .iter()
        .flat_map(|o| {
            o.paths.iter().map(move |p| format!("{} {} {}", o.version.as_str(), o.method.as_str(), p.raw))
        })
        .collect();
    lines.sort();
    assert_eq!(lines.len(), 13, "{lines:#?}");
    assert_eq!(api.operations.len(), 4);
    let assign = api.operations.iter().find(|o| o.kind == OperationKind::Action);
    assert_eq!(
        assign.map(|o| (o.method, o.response.status, o.response.body.clone())),
        Some((HttpMethod::POST, 204, None))
    );
    let v1 = api.operations.iter().find(|o| o.version == ApiVersion::V1_0);
    assert_eq!(
        v1.map(|o| o.response.body.clone()),
        Some(Some(TypeRef::Named("enrollmentConfigurationAssignment".into())))
    );
}

#[test]
fn the_derived_target_in_the_example_is_inferred_with_its_properties() {
    let api = graph_parser::build_api(docs_input());
    let derived = api.types.iter().find(|t| {
        t.version == ApiVersion::Beta && t.name == "configurationManagerCollectionAssignmentTarget"
    });
    let derived = derived
        .map(|t| (t.base_type.clone(), t.properties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>()));
    assert_eq!(
        derived,
        Some((
            Some("deviceAndAppManagementAssignmentTarget".into()),
            vec![
                "collectionId",
                "deviceAndAppManagementAssignmentFilterId",
                "deviceAndAppManagementAssignmentFilterType"
            ]
        ))
    );
}

#[test]
fn quirks_are_diagnosed_with_file_and_line() {
    let api = graph_parser::build_api(docs_input());
    let has = |code: DiagnosticCode, file_prefix: &str, line: u32| {
        api.diagnostics
            .iter()
            .any(|d| d.code == code && d.span.file.starts_with(file_prefix) && d.span.line == line)
    };
    assert!(has(DiagnosticCode::IndentedHeading, "004", 21));
    assert!(has(DiagnosticCode::TodoPlaceholder, "001", 21));
    assert!(has(DiagnosticCode::PermissionsInclude, "000", 24));
    assert!(has(DiagnosticCode::UnresolvedLink, "000", 18));
}

/// A member inferred while walking a nested object is known, not inferred again, when the outer
/// object has it too: `{"child": {"extra": 1}, "extra": 2}` against a `node` whose `child` is a
/// `node` gives `node` one `extra`, with one note.
#[test]
fn a_property_inferred_inside_an_example_is_known_to_the_rest_of_it() {
    let resource =
        "---\ndoc_type: resourcePageType\n---\n# node resource type\n\nNamespace: microsoft.graph\n\n\
                    ## Properties\n\n| Property | Type | Description |\n|:--|:--|:--|\n\
                    | id | String | The id. |\n| child | [node](node.md) | A child. |\n";
    let create = "---\ndoc_type: apiPageType\n---\n# Create node\n\nNamespace: microsoft.graph\n\n\
                  ## HTTP request\n\n```http\nPOST /nodes\n```\n\n## Request body\n\n\
                  In the request body, supply a JSON representation of a [node](../resources/node.md) object.\n\n\
                  ## Response\n\nIf successful, this method returns a `201 Created` response code and a \
                  [node](../resources/node.md) object in the response body.\n\n## Example\n\n### Request\n\n\
                  ```http\nPOST https://graph.microsoft.com/beta/nodes\nContent-type: application/json\n\n\
                  {\"child\": {\"extra\": 1}, \"extra\": 2}\n```\n";
    let pages = vec![
        graph_parser::parse_page("api-reference/beta/resources/node.md", resource.as_bytes()),
        graph_parser::parse_page("api-reference/beta/api/node-create.md", create.as_bytes()),
    ];
    let api = graph_parser::build_api(pages);
    let node = api.types.iter().find(|t| t.name == "node");
    let properties = node.map(|t| t.properties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>());
    assert_eq!(properties, Some(vec!["child", "extra", "id"]), "{:#?}", api.diagnostics);
    let notes = api.diagnostics.iter().filter(|d| d.message.contains("`extra`")).count();
    assert_eq!(notes, 1, "{:#?}", api.diagnostics);
}

/// An inferred array's items take one type that holds them all: the widest number type, or any JSON
/// when they mix kinds of value or hold a null (a list of strings would reject the boolean).
#[test]
fn an_inferred_array_is_typed_to_hold_every_item() {
    let resource =
        "---\ndoc_type: resourcePageType\n---\n# node resource type\n\nNamespace: microsoft.graph\n\n\
                    ## Properties\n\n| Property | Type | Description |\n|:--|:--|:--|\n| id | String | The id. |\n";
    let create = "---\ndoc_type: apiPageType\n---\n# Create node\n\nNamespace: microsoft.graph\n\n\
                  ## HTTP request\n\n```http\nPOST /nodes\n```\n\n## Request body\n\n\
                  In the request body, supply a JSON representation of a [node](../resources/node.md) object.\n\n\
                  ## Response\n\nIf successful, this method returns a `204 No Content` response code.\n\n\
                  ## Example\n\n### Request\n\n\
                  ```http\nPOST https://graph.microsoft.com/beta/nodes\nContent-type: application/json\n\n\
                  {\"names\": [\"a\", \"b\"], \"weights\": [1, 2.5], \"sizes\": [1, 3000000000], \
                  \"mixed\": [\"a\", true], \"gaps\": [\"a\", null], \"empty\": []}\n```\n";
    let api = graph_parser::build_api(vec![
        graph_parser::parse_page("api-reference/beta/resources/node.md", resource.as_bytes()),
        graph_parser::parse_page("api-reference/beta/api/node-create.md", create.as_bytes()),
    ]);
    let node = api.types.iter().find(|t| t.name == "node");
    let type_of = |name: &str| {
        node.and_then(|t| t.properties.iter().find(|p| p.name == name)).map(|p| p.type_ref.clone())
    };
    let list_of = |primitive| Some(TypeRef::Collection(Box::new(TypeRef::Primitive(primitive))));
    assert_eq!(type_of("names"), list_of(Primitive::String));
    assert_eq!(type_of("weights"), list_of(Primitive::Double));
    assert_eq!(type_of("sizes"), list_of(Primitive::Int64));
    assert_eq!(type_of("mixed"), list_of(Primitive::Json));
    assert_eq!(type_of("gaps"), list_of(Primitive::Json));
    assert_eq!(type_of("empty"), list_of(Primitive::Json));
    let mixing = api.diagnostics.iter().filter(|d| d.message.contains("mix kinds of JSON value")).count();
    assert_eq!(mixing, 2, "{:#?}", api.diagnostics);
}

/// A property one example inferred is widened when a later example's value does not fit it: a
/// string then a boolean gives any JSON, an Int32 then a large number Int64, then a fraction
/// Double, one note each. A property the resource page declares keeps its type whatever the
/// examples show.
#[test]
fn a_later_example_widens_what_an_earlier_one_inferred() {
    let resource =
        "---\ndoc_type: resourcePageType\n---\n# node resource type\n\nNamespace: microsoft.graph\n\n\
                    ## Properties\n\n| Property | Type | Description |\n|:--|:--|:--|\n| id | String | The id. |\n";
    let example = |body: &str| {
        format!(
            "```http\nPOST https://graph.microsoft.com/beta/nodes\nContent-type: application/json\n\n{body}\n```\n"
        )
    };
    let create = format!(
        "---\ndoc_type: apiPageType\n---\n# Create node\n\nNamespace: microsoft.graph\n\n\
         ## HTTP request\n\n```http\nPOST /nodes\n```\n\n## Request body\n\n\
         In the request body, supply a JSON representation of a [node](../resources/node.md) object.\n\n\
         ## Response\n\nIf successful, this method returns a `204 No Content` response code.\n\n\
         ## Example\n\n### Request\n\n{}\n{}\n{}",
        example(r#"{"id": "1", "label": "a", "count": 1, "tags": ["a"], "same": "x"}"#),
        example(r#"{"id": true, "label": true, "count": 3000000000, "tags": ["b", 2], "same": null}"#),
        example(r#"{"count": 0.5}"#),
    );
    let api = graph_parser::build_api(vec![
        graph_parser::parse_page("api-reference/beta/resources/node.md", resource.as_bytes()),
        graph_parser::parse_page("api-reference/beta/api/node-create.md", create.as_bytes()),
    ]);
    let node = api.types.iter().find(|t| t.name == "node");
    let type_of = |name: &str| {
        node.and_then(|t| t.properties.iter().find(|p| p.name == name)).map(|p| p.type_ref.to_string())
    };
    assert_eq!(type_of("id").as_deref(), Some("String"), "declared: kept");
    assert_eq!(type_of("label").as_deref(), Some("Untyped"));
    assert_eq!(type_of("count").as_deref(), Some("Double"));
    assert_eq!(type_of("tags").as_deref(), Some("Collection(Untyped)"));
    assert_eq!(type_of("same").as_deref(), Some("String"), "a null fits any type");
    let widenings: Vec<&str> = api
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("widened"))
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(widenings.len(), 4, "{widenings:#?}");
    assert!(widenings.iter().any(|m| m.contains("`count` of `node` widened from Int32 to Int64")));
    assert!(widenings.iter().any(|m| m.contains("`count` of `node` widened from Int64 to Double")));
}

/// `&nbsp;` glues a header's words as it indents a workload sub-row (devicemanagement-get's
/// `Permission&nbsp;type&nbsp;(by&nbsp;workflow)`): the header still names the permissions table.
#[test]
fn a_permissions_header_whose_words_no_break_spaces_join_is_read() {
    let page = "# Get thing\n\n## Prerequisites\n\n\
                | Permission&nbsp;type&nbsp;(by&nbsp;workflow) | Permissions (from most to least privileged) |\n\
                |:---|:---|\n| Delegated (work or school account) | |\n\
                | &nbsp; &nbsp; **Onboarding** | DeviceManagementServiceConfig.Read.All |\n\
                | Application | DeviceManagementServiceConfig.Read.All |\n\n\
                ## HTTP request\n\n```http\nGET /things\n```\n";
    let model = graph_parser::parse_page("api-reference/beta/api/thing-get.md", page.as_bytes());
    let permissions = model.operation.as_ref().map(|op| &op.permissions);
    assert_eq!(permissions.map(|p| p.entries.len()), Some(3), "{:#?}", model.diagnostics);
    assert_eq!(permissions.map(|p| p.order), Some(graph_ir::PrivilegeOrder::MostToLeast));
    assert!(!model.diagnostics.iter().any(|d| d.code == DiagnosticCode::NoPermissions));
}

/// A `GET` documented as answering a derived type at a path where another page documents a `GET`
/// answering its base (there, or at the list or item path beside it) is narrowed to its own types;
/// the base's `GET` and any write are not.
#[test]
fn a_get_of_a_derived_type_where_the_base_is_answered_reads_only_its_own_types() {
    let resource = |name: &str, base: &str| {
        format!(
            "---\ndoc_type: resourcePageType\n---\n# {name} resource type\n\nNamespace: microsoft.graph\n\n{base}\
             ## Properties\n\n| Property | Type | Description |\n|:--|:--|:--|\n| id | String | The id. |\n"
        )
    };
    let api_page = |title: &str, request: &str, answer: &str| {
        format!(
            "---\ndoc_type: apiPageType\n---\n# {title}\n\nNamespace: microsoft.graph\n\n\
             ## HTTP request\n\n```http\n{request}\n```\n\n## Response\n\n\
             If successful, this method returns a {answer} in the response body.\n"
        )
    };
    let pages = [
        ("resources/thing.md", resource("thing", "")),
        ("resources/leafthing.md", resource("leafThing", "Inherits from [thing](thing.md).\n\n")),
        ("resources/deepthing.md", resource("deepThing", "Inherits from [leafThing](leafthing.md).\n\n")),
        (
            "api/thing-list.md",
            api_page(
                "List things",
                "GET /things",
                "`200 OK` response code and a collection of [thing](../resources/thing.md) objects",
            ),
        ),
        (
            "api/leafthing-list.md",
            api_page(
                "List leafThings",
                "GET /things",
                "`200 OK` response code and a collection of [leafThing](../resources/leafthing.md) objects",
            ),
        ),
        (
            // No page answers a `thing` at this path: its list beside it does.
            "api/leafthing-get.md",
            api_page(
                "Get leafThing",
                "GET /things/{thingId}",
                "`200 OK` response code and a [leafThing](../resources/leafthing.md) object",
            ),
        ),
        (
            "api/leafthing-create.md",
            api_page(
                "Create leafThing",
                "POST /things",
                "`201 Created` response code and a [leafThing](../resources/leafthing.md) object",
            ),
        ),
    ];
    let api = build_beta(&pages);
    let narrowed = |name: &str| {
        let op = api.operations.iter().find(|op| op.name == name);
        assert!(
            op.is_some(),
            "no {name}: {:#?}",
            api.operations.iter().map(|op| &op.name).collect::<Vec<_>>()
        );
        op.and_then(|op| op.narrowed.as_ref()).map(|n| {
            (n.kept.clone(), n.wider_type.clone(), n.wider_operation.clone(), n.wider_path.raw.clone())
        })
    };
    let kept = vec!["leafThing".to_owned(), "deepThing".to_owned()];
    let from_list = Some((kept.clone(), "thing".to_owned(), "listThings".to_owned(), "/things".to_owned()));
    assert_eq!(narrowed("listLeafThings"), from_list);
    assert_eq!(narrowed("getLeafThing"), from_list);
    assert_eq!(narrowed("listThings"), None);
    assert_eq!(narrowed("createLeafThing"), None);
}

/// An example showing a base type's object where a derived type's is expected does not make the
/// base derive from it; pages that make two types each other's base are told so, and the types
/// keep their properties.
#[test]
fn base_types_never_form_a_cycle() {
    let resource = |name: &str, base: &str, property: &str| {
        format!(
            "---\ndoc_type: resourcePageType\n---\n# {name} resource type\n\nNamespace: microsoft.graph\n\n{base}\
             ## Properties\n\n| Property | Type | Description |\n|:--|:--|:--|\n{property}\n"
        )
    };
    let get_widget = "---\ndoc_type: apiPageType\n---\n# Get widget\n\n## HTTP request\n\n```http\nGET /widgets/{id}\n```\n\n\
                      ## Response\n\nIf successful, this method returns a `200 OK` response code and a \
                      [widget](../resources/widget.md) object in the response body.\n\n## Example\n\n\
                      ```http\nGET https://graph.microsoft.com/beta/widgets/1\n```\n\n\
                      ```http\nHTTP/1.1 200 OK\n\n{\"@odata.type\": \"#microsoft.graph.thing\", \"id\": \"1\"}\n```\n";
    let pages = [
        (
            "resources/thing.md",
            resource("thing", "", "| id | String | The id. |\n| name | String | Its name. |"),
        ),
        (
            "resources/widget.md",
            resource("widget", "Inherits from [thing](thing.md).\n\n", "| size | Int32 | Its size. |"),
        ),
        ("api/widget-get.md", get_widget.to_owned()),
        // A base no page describes, shown where its derived type is expected: inferred, not derived.
        (
            "resources/alpha.md",
            resource("alpha", "Inherits from [zeta](zeta.md).\n\n", "| a | String | A. |"),
        ),
        (
            "api/alpha-get.md",
            get_widget.replace("widget", "alpha").replace("#microsoft.graph.thing", "#microsoft.graph.zeta"),
        ),
        // Each says it inherits from the other.
        (
            "resources/left.md",
            resource("left", "Inherits from [right](right.md).\n\n", "| l | String | L. |"),
        ),
        (
            "resources/right.md",
            resource("right", "Inherits from [left](left.md).\n\n", "| r | String | R. |"),
        ),
    ];
    let api = build_beta(&pages);
    let def = |name: &str| {
        let def = api.types.iter().find(|def| def.name == name);
        def.map(|def| {
            let properties: Vec<&str> = def.properties.iter().map(|p| p.name.as_str()).collect();
            (def.base_type.clone(), properties.join(","))
        })
    };
    assert_eq!(def("thing"), Some((None, "id,name".to_owned())));
    assert_eq!(def("widget"), Some((Some("thing".to_owned()), "size".to_owned())));
    assert_eq!(def("alpha"), Some((Some("zeta".to_owned()), "a".to_owned())));
    assert_eq!(def("zeta").map(|(base, _)| base), Some(None));
    assert_eq!(def("left"), Some((None, "l".to_owned())));
    assert_eq!(def("right"), Some((Some("left".to_owned()), "r".to_owned())));
    let cycles: Vec<&str> = api
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("form a cycle"))
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(cycles, ["base types form a cycle (`left` → `right` → `left`); `left` keeps no base type"]);
}

/// Pages that describe one operation each name the permissions of their own part of it (the 16
/// `devicemanagement-get` pages of v1.0, one per area): the operation lists every page's scopes.
#[test]
fn an_operation_described_by_several_pages_lists_every_pages_permissions() {
    let page = |title: &str, delegated: &str, application: &str| {
        format!(
            "# {title}\n\n## Prerequisites\n\n\
             |Permission type|Permissions (from least to most privileged)|\n|:---|:---|\n\
             |Delegated (work or school account)|{delegated}|\n\
             |Delegated (personal Microsoft account)|Not supported.|\n\
             |Application|{application}|\n\n\
             ## HTTP request\n\n```http\nGET /deviceManagement\n```\n"
        )
    };
    let pages = [
        (
            "api-reference/v1.0/api/intune-apps-devicemanagement-get.md",
            page("Get deviceManagement", "A.Read.All, A.ReadWrite.All", "A.Read.All"),
        ),
        (
            "api-reference/v1.0/api/intune-rbac-devicemanagement-get.md",
            page("Get deviceManagement", "R.Read.All, A.ReadWrite.All", "Not supported."),
        ),
        (
            "api-reference/v1.0/api/intune-stub-devicemanagement-get.md",
            page("Get deviceManagement", "**TODO: Provide applicable permissions.**", ""),
        ),
        (
            // Application permissions by workload: sub-rows, no disagreement.
            "api-reference/v1.0/api/intune-workload-devicemanagement-get.md",
            page("Get deviceManagement", "A.Read.All", "|\n| &nbsp; &nbsp; **Onboarding** | O.Read.All"),
        ),
    ];
    let api = graph_parser::build_api(
        pages.iter().map(|(path, text)| graph_parser::parse_page(path, text.as_bytes())).collect(),
    );
    let [op] = api.operations.as_slice() else { panic!("{:#?}", api.operations) };
    let entries: Vec<String> = op
        .permissions
        .entries
        .iter()
        .map(|e| format!("{:?} {:?} {:?}", e.kind, e.workload, e.scopes))
        .collect();
    assert_eq!(
        entries,
        [
            r#"DelegatedWorkOrSchool None Scopes(["A.Read.All", "A.ReadWrite.All", "R.Read.All"])"#,
            "DelegatedPersonal None NotSupported",
            r#"Application None Scopes(["A.Read.All"])"#,
            r#"Application Some("Onboarding") Scopes(["O.Read.All"])"#,
        ]
    );
    assert_eq!(op.sources.len(), 4);
    let conflicts: Vec<(&str, &str)> = api
        .diagnostics
        .iter()
        .filter(|d| d.code == DiagnosticCode::Conflict)
        .map(|d| (&*d.span.file, d.message.as_str()))
        .collect();
    assert_eq!(
        conflicts,
        [(
            "api-reference/v1.0/api/intune-rbac-devicemanagement-get.md",
            "pages disagree on the application permissions (A.Read.All vs not supported); kept the primary page's"
        )]
    );
}

/// An API page's "Possible values are" names an enum's members before the enum's own page is merged
/// (`api/` sorts before `resources/`): the members take their descriptions and lines from that page.
#[test]
fn enum_members_an_api_page_names_first_are_described_by_the_enum_page() {
    let create = "# Create widget\n\nNamespace: microsoft.graph\n\n\
                  ## HTTP request\n\n```http\nPOST /deviceAppManagement/widgets\n```\n\n\
                  ## Request body\n\n|Property|Type|Description|\n|:---|:---|:---|\n\
                  |state|[widgetState](../resources/intune-apps-widgetstate.md)|The state. \
                  Possible values are: `unknown`, `ready`, `retired`.|\n\n\
                  ## Response\n\nIf successful, this method returns a `204 No Content` response code.\n";
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/intune-apps-widgetstate.md");
    let enum_page = std::fs::read(fixture).unwrap();
    let api = graph_parser::build_api(vec![
        graph_parser::parse_page("api-reference/beta/resources/intune-apps-widgetstate.md", &enum_page),
        graph_parser::parse_page("api-reference/beta/api/intune-apps-widget-create.md", create.as_bytes()),
    ]);
    let state = api.types.iter().find(|def| def.name == "widgetState").expect("the enum");
    let members: Vec<(&str, Option<&str>, &str, u32)> = state
        .members
        .iter()
        .map(|m| (m.name.as_str(), m.description.as_deref(), &*m.span.file, m.span.line))
        .collect();
    let page = "api-reference/beta/resources/intune-apps-widgetstate.md";
    assert_eq!(
        members,
        [
            ("unknown", Some("Not known yet."), page, 18),
            ("ready", Some("Ready to assign."), page, 19),
            ("retired", Some("No longer offered."), page, 20),
        ]
    );
}

/// Two operations whose titles give one name: the second is renamed with the first number no
/// operation's name already has (a title may end in a digit itself).
#[test]
fn a_renamed_operation_takes_no_name_another_already_has() {
    let page =
        |title: &str, path: &str| format!("# {title}\n\n## HTTP request\n\n```http\nGET {path}\n```\n");
    let pages = [
        ("api-reference/v1.0/api/a.md", page("Get widget", "/widgets/{id}")),
        ("api-reference/v1.0/api/b.md", page("Get widget", "/gadgets/{id}")),
        ("api-reference/v1.0/api/c.md", page("Get widget2", "/others/{id}")),
    ];
    let api = graph_parser::build_api(
        pages.iter().map(|(path, text)| graph_parser::parse_page(path, text.as_bytes())).collect(),
    );
    let mut names: Vec<&str> = api.operations.iter().map(|op| op.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["getWidget", "getWidget2", "getWidget3"]);
    let renamed: Vec<&str> = api
        .diagnostics
        .iter()
        .filter(|d| d.code == DiagnosticCode::NameCollision)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(renamed, ["operation name `getWidget` is taken; this one is `getWidget3`"]);
}

/// Permissions listed apart by spaces alone are several (officeClientConfiguration's pages), and a
/// response sentence whose status the example contradicts is kept, with a warning at the sentence.
#[test]
fn space_separated_permissions_are_several_and_a_contradicted_status_is_diagnosed() {
    let page = "# Create widget\n\n## Prerequisites\n\n\
                |Permission type|Permissions (from least to most privileged)|\n|:---|:---|\n\
                |Delegated (work or school account)|W.ReadWrite.All W.Read.All|\n\
                |Application|W.ReadWrite.All,  W.Read.All.|\n\n\
                ## HTTP request\n\n```http\nPOST /widgets\n```\n\n\
                ## Response\n\nIf successful, this method returns a `200 Created` response code.\n\n\
                ## Example\n\n### Response\n\n```http\nHTTP/1.1 201 Created\n```\n";
    let model = graph_parser::parse_page("api-reference/beta/api/widget-create.md", page.as_bytes());
    let op = model.operation.as_ref().expect("the operation");
    let scopes: Vec<String> = op.permissions.entries.iter().map(|e| format!("{:?}", e.scopes)).collect();
    assert_eq!(scopes, [r#"Scopes(["W.ReadWrite.All", "W.Read.All"])"#; 2]);
    assert_eq!(op.response.status, 200);
    let conflicts: Vec<(u32, &str)> = model
        .diagnostics
        .iter()
        .filter(|d| d.code == DiagnosticCode::Conflict)
        .map(|d| (d.span.line, d.message.as_str()))
        .collect();
    assert_eq!(
        conflicts,
        [(18, "the response sentence says 200 but the first example answers 201; kept 200")]
    );
}

/// The newer permissions layout: the least privileged permissions, then the higher privileged ones,
/// each kind's both read as its scopes from least to most privileged; "Not available." is not
/// supported.
#[test]
fn a_permissions_table_with_least_and_higher_privileged_columns_is_read_whole() {
    let page = "# Get widget\n\n## Permissions\n\n\
                |Permission type|Least privileged permissions|Higher privileged permissions|\n|:---|:---|:---|\n\
                |Delegated (work or school account)|W.Read.All|W.ReadWrite.All, Directory.Read.All|\n\
                |Delegated (personal Microsoft account)|Not available.|Not available.|\n\
                |Application|W.Read.All|Not available.|\n\n\
                ## HTTP request\n\n```http\nGET /widgets/{id}\n```\n";
    let model = graph_parser::parse_page("api-reference/v1.0/api/widget-get.md", page.as_bytes());
    let permissions = &model.operation.as_ref().expect("the operation").permissions;
    assert_eq!(permissions.order, graph_ir::PrivilegeOrder::LeastToMost);
    let scopes: Vec<String> = permissions.entries.iter().map(|e| format!("{:?}", e.scopes)).collect();
    assert_eq!(
        scopes,
        [
            r#"Scopes(["W.Read.All", "W.ReadWrite.All", "Directory.Read.All"])"#,
            "NotSupported",
            r#"Scopes(["W.Read.All"])"#
        ]
    );
}

#[test]
fn every_permissions_table_counts_and_not_applicable_is_no_scope() {
    let page = "# Get widget\n\n## Permissions\n\nFor a user:\n\n\
                |Permission type|Permissions (from least to most privileged)|\n|:---|:---|\n\
                |Delegated (work or school account)|User.Read|\n\
                |Delegated (personal Microsoft account)|Not applicable.|\n\n\
                For a group:\n\n\
                |Permission type|Permissions (from least to most privileged)|\n|:---|:---|\n\
                |Delegated (work or school account)|Group.Read.All|\n\
                |Application|N/A|\n\n\
                ## HTTP request\n\n```http\nGET /widgets/{id}\n```\n";
    let model = graph_parser::parse_page("api-reference/v1.0/api/widget-get.md", page.as_bytes());
    let permissions = &model.operation.as_ref().expect("the operation").permissions;
    let scopes: Vec<String> = permissions.entries.iter().map(|e| format!("{:?}", e.scopes)).collect();
    assert_eq!(
        scopes,
        [r#"Scopes(["User.Read"])"#, "NotSupported", r#"Scopes(["Group.Read.All"])"#, "NotSupported"]
    );
}

/// Which clouds serve an API, from the include Graph's pages name (by its label, whatever its
/// folder): all four, or the global service with some of the others; an unknown one is diagnosed.
#[test]
fn national_cloud_includes_say_which_clouds_serve_the_api() {
    let clouds = |include: &str| {
        let page = format!(
            "# Get widget\n\nGets a widget.\n\n[!INCLUDE [national-cloud-support](../../includes/{include})]\n\n\
             ## HTTP request\n\n```http\nGET /widgets/{{id}}\n```\n"
        );
        let model = graph_parser::parse_page("api-reference/v1.0/api/widget-get.md", page.as_bytes());
        let unknown = model.diagnostics.iter().any(|d| d.code == DiagnosticCode::UnresolvedInclude);
        (model.operation.map(|op| op.national_clouds).unwrap_or_default(), unknown)
    };
    let global = "Global service".to_owned();
    assert_eq!(clouds("all-clouds.md").0.len(), 4);
    assert_eq!(
        clouds("global-us.md"),
        (vec![global.clone(), "US Government L4".to_owned(), "US Government L5 (DOD)".to_owned()], false)
    );
    assert_eq!(
        clouds("global-china.md"),
        (vec![global.clone(), "China operated by 21Vianet".to_owned()], false)
    );
    assert_eq!(clouds("global-only.md"), (vec![global], false));
    assert_eq!(clouds("mars-only.md"), (Vec::new(), true));
}
