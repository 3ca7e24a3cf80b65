//! Awkward pages never break the emitter: odd names (keywords, digits, punctuation, non-ASCII, case
//! twins, names the crate uses itself) in paths, properties, enums and examples still give a crate
//! whose files parse and declare no name twice in one scope (a struct's fields, an enum's variants, a
//! type's methods, a module's items), the errors syn alone would not catch.

use std::collections::BTreeMap;

use graph_emit::{emit_crate, EmitOptions};
use proptest::prelude::*;
use quote::ToTokens;

/// Names that trip, or could trip, identifier conversion or collision handling: keywords, leading
/// digits, punctuation, non-ASCII, case twins, and the names of the crate's own items and methods.
#[rustfmt::skip]
const NAMES: &[&str] = &[
    "type", "self", "Self", "super", "crate", "_", "3d", "3D", "a-b", "a_b", "aB", "AB", "ab", "ü", "日本",
    "", " ", "@odata.type", "@odata.nextLink", "id", "Id", "ID", "value", "client", "path", "body",
    "request", "Request", "Client", "models", "paths", "options", "async", "r#x", "x y", "unnamed",
    "Unnamed", "get", "list", "by_id", "additionalProperties", "additional_properties", "odataType", "new",
    "runtime", "microsoft.graph.x", "Default", "Option", "String", "Vec", "Box", "Value", "Map", "serde",
    "std", "clone", "next", "unknown", "d", "s",
];

#[rustfmt::skip]
const TYPES: &[&str] = &[
    "String", "Int32", "Boolean", "DateTimeOffset", "String collection", "Guid", "Binary", "Double",
    "x collection", "X", "microsoft.graph.x", "[x](../resources/x.md)", "", "Stream", "Int64", "self",
];

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(NAMES).prop_map(str::to_owned)
}

fn resource_page() -> impl Strategy<Value = String> {
    let properties = prop::collection::vec((name(), prop::sample::select(TYPES)), 0..6);
    (name(), prop::option::of(name()), properties, prop::collection::vec(name(), 0..4)).prop_map(
        |(type_name, base, properties, members)| {
            let mut page = format!(
                "---\ndoc_type: resourcePageType\n---\n# {type_name} resource type\n\n\
                 Namespace: microsoft.graph\n\n"
            );
            if let Some(base) = base {
                page.push_str(&format!("Inherits from [{base}](../resources/{base}.md)\n\n"));
            }
            page.push_str("## Properties\n|Property|Type|Description|\n|:---|:---|:---|\n");
            let members = members.join(", ");
            for (property, kind) in &properties {
                page.push_str(&format!(
                    "|{property}|{kind}|The {property}. Possible values are: {members}.|\n"
                ));
            }
            let json: Vec<String> =
                properties.iter().map(|(property, _)| format!("  \"{property}\": \"String\"")).collect();
            page.push_str(&format!(
                "\n## JSON Representation\n``` json\n{{\n{}\n}}\n```\n",
                json.join(",\n")
            ));
            page
        },
    )
}

fn enum_page() -> impl Strategy<Value = String> {
    (name(), prop::collection::vec(name(), 0..5)).prop_map(|(enum_name, members)| {
        let mut page = format!(
            "---\ndoc_type: enumPageType\n---\n# {enum_name} enum type\n\nNamespace: microsoft.graph\n\n\
             ## Members\n|Member|Value|Description|\n|:---|:---|:---|\n"
        );
        for (value, member) in members.iter().enumerate() {
            page.push_str(&format!("|{member}|{value}|The {member}.|\n"));
        }
        page
    })
}

/// A path segment: a name, a key, or a function call.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        name(),
        name().prop_map(|n| format!("{{{n}}}")),
        name().prop_map(|n| format!("{n}(key='{{k}}')"))
    ]
}

/// A JSON value as examples write them: scalars, `null`, and nested objects (some naming their type
/// by `@odata.type`, as derived types are) and arrays of them, keyed by awkward names.
fn json_value() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        name().prop_map(|text| format!("{text:?}")),
        Just("12".to_owned()),
        Just("-1.5".to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
        Just("\"2021-01-01T00:00:00Z\"".to_owned()),
    ];
    scalar.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            (prop::option::of(name()), prop::collection::vec((name(), inner.clone()), 0..3)).prop_map(
                |(odata_type, members)| {
                    let mut pairs: Vec<String> = odata_type
                        .map(|odata_type| format!("\"@odata.type\": \"#microsoft.graph.{odata_type}\""))
                        .into_iter()
                        .collect();
                    pairs.extend(members.iter().map(|(key, value)| format!("{key:?}: {value}")));
                    format!("{{{}}}", pairs.join(", "))
                }
            ),
            prop::collection::vec(inner, 0..3).prop_map(|items| format!("[{}]", items.join(", "))),
        ]
    })
}

fn api_page() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["GET", "POST", "PATCH", "DELETE", "PUT"][..]),
        prop::collection::vec(segment(), 1..5),
        name(),
        prop::collection::vec((name(), json_value()), 0..4),
        prop::sample::select(&["200 OK", "201 Created", "204 No Content"][..]),
    )
        .prop_map(|(method, segments, type_name, members, status)| {
            let path = format!("/{}", segments.join("/"));
            let members: Vec<String> =
                members.iter().map(|(key, value)| format!("  {key:?}: {value}")).collect();
            let body =
                format!("{{\n  \"@odata.type\": \"#microsoft.graph.{type_name}\",\n{}\n}}", members.join(",\n"));
            let link = format!("[{type_name}](../resources/{type_name}.md)");
            format!(
                "# {method} {type_name}\n\nNamespace: microsoft.graph\n\nDoes it to a {link}.\n\n\
                 ## Permissions\n|Permission type|Permissions (from least to most privileged)|\n|:---|:---|\n\
                 |Application|X.Read.All|\n\n\
                 ## HTTP request\n``` http\n{method} {path}\n```\n\n\
                 ## Optional query parameters\nThis method supports the `$select` and `$top` OData query parameters.\n\n\
                 ## Request body\n|Property|Type|Description|\n|:---|:---|:---|\n|{type_name}|String|A parameter.|\n\n\
                 ## Response\nIf successful, this method returns a `{status}` response code and a {link} object.\n\n\
                 ## Example\n### Request\n``` http\n{method} https://graph.microsoft.com/beta{path}\n\
                 Content-type: application/json\n\n{body}\n```\n\n\
                 ### Response\n``` http\nHTTP/1.1 {status}\nContent-Type: application/json\n\n{body}\n```\n"
            )
        })
}

/// Every name declared twice in one scope of `file`, as `scope: name`. Impl blocks of one type share
/// a scope (methods), and a module's types and its values are two scopes, as in Rust.
fn declared_twice(file: &syn::File) -> Vec<String> {
    let mut scopes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut declare = |scope: String, name: String| scopes.entry(scope).or_default().push(name);
    for item in &file.items {
        match item {
            syn::Item::Struct(item) => {
                declare("types".to_owned(), item.ident.to_string());
                for field in item.fields.iter().filter_map(|field| field.ident.as_ref()) {
                    declare(format!("struct {}", item.ident), field.to_string());
                }
            }
            syn::Item::Enum(item) => {
                declare("types".to_owned(), item.ident.to_string());
                for variant in &item.variants {
                    declare(format!("enum {}", item.ident), variant.ident.to_string());
                }
            }
            syn::Item::Mod(item) => declare("types".to_owned(), item.ident.to_string()),
            syn::Item::Const(item) => declare("values".to_owned(), item.ident.to_string()),
            syn::Item::Fn(item) => declare("values".to_owned(), item.sig.ident.to_string()),
            syn::Item::Impl(item) if item.trait_.is_none() => {
                let scope = format!("impl {}", item.self_ty.to_token_stream());
                for inner in &item.items {
                    if let syn::ImplItem::Fn(method) = inner {
                        declare(scope.clone(), method.sig.ident.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    let mut twice = Vec::new();
    for (scope, mut names) in scopes {
        names.sort();
        for pair in names.windows(2) {
            if let [first, second] = pair {
                if first == second {
                    twice.push(format!("{scope}: {first}"));
                }
            }
        }
    }
    twice
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn awkward_pages_emit_a_crate_that_parses_and_names_nothing_twice(
        resources in prop::collection::vec(prop_oneof![3 => resource_page(), 1 => enum_page()], 0..4),
        apis in prop::collection::vec(api_page(), 1..4),
    ) {
        let resource_paths = (0..).map(|index| format!("api-reference/beta/resources/r{index}.md"));
        let api_paths = (0..).map(|index| format!("api-reference/beta/api/intune-a{index}-x-get.md"));
        let models = resource_paths
            .zip(&resources)
            .chain(api_paths.zip(&apis))
            .map(|(path, page)| graph_parser::parse_page(&path, page.as_bytes()))
            .collect();
        let api = graph_parser::build_api(models);
        let options = EmitOptions {
            crate_name: "graph-client".to_owned(),
            runtime_path: "../graph-runtime".to_owned(),
            standalone: true,
        };
        let pages = format!("{}\n----\n{}", resources.join("\n----\n"), apis.join("\n----\n"));
        let files = match emit_crate(&api, &options) {
            Ok(files) => files,
            Err(error) => return Err(TestCaseError::fail(format!("{error}\npages:\n{pages}"))),
        };
        for file in files.iter().filter(|file| file.path.ends_with(".rs")) {
            let parsed = syn::parse_file(&file.contents);
            prop_assert!(parsed.is_ok(), "{} does not parse: {:?}\npages:\n{pages}", file.path, parsed.err());
            let twice = parsed.map(|parsed| declared_twice(&parsed)).unwrap_or_default();
            prop_assert!(twice.is_empty(), "{} declares twice: {twice:?}\npages:\n{pages}", file.path);
        }
    }
}

/// Types named like what the models module writes itself: `Unknown`, the variant every `Any…` enum
/// has beside its types', and `D` and `S`, the serde impls' generic parameters, which the type's
/// name would be read as inside them. Each gets a suffix.
#[test]
fn types_named_unknown_d_or_s_take_no_name_the_models_use() {
    let resource = |name: &str, base: Option<&str>| {
        let inherits = base.map(|base| format!("Inherits from [{base}](../resources/{base}.md)\n\n"));
        format!(
            "---\ndoc_type: resourcePageType\n---\n# {name} resource type\n\nNamespace: microsoft.graph\n\n{}\
             ## Properties\n|Property|Type|Description|\n|:---|:---|:---|\n|id|String|The id.|\n",
            inherits.unwrap_or_default()
        )
    };
    let list = "# List nodes\n\n## HTTP request\n\n```http\nGET /nodes\n```\n\n## Response\n\n\
                If successful, this method returns a `200 OK` response code and a collection of \
                [node](../resources/node.md) objects in the response body.\n";
    let pages = [
        ("api-reference/beta/resources/node.md", resource("node", None)),
        ("api-reference/beta/resources/unknown.md", resource("unknown", Some("node"))),
        ("api-reference/beta/resources/d.md", resource("d", Some("node"))),
        ("api-reference/beta/resources/s.md", resource("s", Some("node"))),
        ("api-reference/beta/api/intune-a-node-list.md", list.to_owned()),
    ];
    let api = graph_parser::build_api(
        pages.iter().map(|(path, page)| graph_parser::parse_page(path, page.as_bytes())).collect(),
    );
    let options = EmitOptions {
        crate_name: "graph-client".to_owned(),
        runtime_path: "../graph-runtime".to_owned(),
        standalone: true,
    };
    let files = emit_crate(&api, &options).expect("the crate is emitted");
    let models = files.iter().find(|file| file.path == "src/beta/models.rs").expect("the models");
    let parsed = syn::parse_file(&models.contents).expect("the models parse");
    assert_eq!(declared_twice(&parsed), Vec::<String>::new());
    let types: Vec<String> = parsed
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(item) => Some(item.ident.to_string()),
            syn::Item::Enum(item) => Some(item.ident.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(types, ["D2", "Node", "AnyNode", "S2", "Unknown2"]);
}
