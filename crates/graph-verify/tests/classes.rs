//! The report on small hand-made pages and a small service CSDL: each kind of disagreement lands in its
//! class, at the page line (or metadata line) that shows it.

use graph_verify::{verify, Class, Csdl, Metadata, Report};

const SERVICE: &str = r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="assignmentSource">
        <Member Name="direct" Value="0" />
        <Member Name="policySets" Value="1" />
        <Member Name="unknownFutureValue" Value="2" />
      </EnumType>
      <EntityType Name="entity" Abstract="true">
        <Key><PropertyRef Name="id" /></Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
      </EntityType>
      <EntityType Name="deviceManagement" BaseType="graph.entity">
        <NavigationProperty Name="profiles" Type="Collection(graph.profile)" ContainsTarget="true" />
      </EntityType>
      <EntityType Name="profile" BaseType="graph.entity">
        <NavigationProperty Name="assignments" Type="Collection(graph.assignment)" ContainsTarget="true" />
      </EntityType>
      <EntityType Name="assignment" BaseType="graph.entity">
        <Property Name="source" Type="graph.assignmentSource" Nullable="false" />
        <Property Name="sourceId" Type="Edm.String" />
        <Property Name="priority" Type="Edm.String" />
        <Property Name="createdBy" Type="Edm.String" />
      </EntityType>
      <Action Name="assign" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.profile" />
      </Action>
      <Action Name="reorder" IsBound="true">
        <Parameter Name="bindingParameter" Type="Collection(graph.profile)" />
        <Parameter Name="profileIds" Type="Collection(Edm.String)" />
        <Parameter Name="startAt" Type="Edm.Int32" />
      </Action>
      <EntityContainer Name="GraphService">
        <Singleton Name="deviceManagement" Type="microsoft.graph.deviceManagement" />
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;

const CREATE_PAGE: &str = r#"---
title: "Create assignment"
doc_type: apiPageType
---

# Create assignment

Namespace: microsoft.graph

Create a new [assignment](../resources/intune-x-assignment.md) object.

## Prerequisites
|Permission type|Permissions (from least to most privileged)|
|:---|:---|
|Application|DeviceManagementConfiguration.ReadWrite.All|

## HTTP Request
``` http
POST /deviceManagement/profiles/{profileId}/assignments
POST /deviceManagement/reports/assignments
```

## Request body
In the request body, supply a JSON representation for the assignment object.

## Response
If successful, this method returns a `201 Created` response code and an [assignment](../resources/intune-x-assignment.md) object in the response body.
"#;

const RESOURCE_PAGE: &str = r#"---
title: "assignment resource type"
doc_type: resourcePageType
---

# assignment resource type

Namespace: microsoft.graph

An assignment.

## Properties
|Property|Type|Description|
|:---|:---|:---|
|id|String|Key of the assignment|
|source|[assignmentSource](../resources/intune-x-assignmentsource.md)|Where it came from.|
|sourceId|String|Identifier of the source|
|priority|Int32|Its priority|
|intent|String|What it is for|

## Relationships
None
"#;

const ENUM_PAGE: &str = r#"---
title: "assignmentSource enum type"
doc_type: enumPageType
---

# assignmentSource enum type

Namespace: microsoft.graph

Where an assignment came from.

## Members
|Member|Value|Description|
|:---|:---|:---|
|direct|0|Direct.|
|policySets|1|Through a policy set.|
|legacy|2|An old kind.|
"#;

const REORDER_PAGE: &str = r#"---
title: "reorder action"
doc_type: apiPageType
---

# reorder action

Namespace: microsoft.graph

Reorders the profiles.

## Prerequisites
|Permission type|Permissions (from least to most privileged)|
|:---|:---|
|Application|DeviceManagementConfiguration.ReadWrite.All|

## HTTP Request
``` http
POST /deviceManagement/profiles/reorder
```

## Request body
In the request body, supply JSON representation of the parameters.

The following table shows the parameters that can be used with this action.

|Property|Type|Description|
|:---|:---|:---|
|profileIds|String collection|The new order|
|dryRun|Boolean|Only check|

## Response
If successful, this action returns a `204 No Content` response code.
"#;

const CREATE: &str = "api-reference/beta/api/intune-x-assignment-create.md";
const RESOURCE: &str = "api-reference/beta/resources/intune-x-assignment.md";
const ENUM: &str = "api-reference/beta/resources/intune-x-assignmentsource.md";
const REORDER: &str = "api-reference/beta/api/intune-x-profile-reorder.md";

/// Parses the three pages, lets `tamper` stand in for a parser that misses something, and verifies.
fn check(tamper: impl FnOnce(&mut graph_ir::Api)) -> Report {
    let pages =
        [(CREATE, CREATE_PAGE), (RESOURCE, RESOURCE_PAGE), (ENUM, ENUM_PAGE), (REORDER, REORDER_PAGE)];
    check_pages(&pages, SERVICE, tamper)
}

/// Parses and merges `pages` (path, text), lets `tamper` stand in for a parser that errs, and
/// verifies the model against `service`, a beta CSDL.
fn check_pages<P: AsRef<str>, T: AsRef<str>>(
    pages: &[(P, T)],
    service: &str,
    tamper: impl FnOnce(&mut graph_ir::Api),
) -> Report {
    let pages: Vec<(&str, &[u8])> =
        pages.iter().map(|(path, text)| (path.as_ref(), text.as_ref().as_bytes())).collect();
    let mut api = graph_parser::build_api(
        pages.iter().map(|(path, text)| graph_parser::parse_page(path, text)).collect(),
    );
    tamper(&mut api);
    let csdl = Csdl::parse("beta_metadata.xml", service);
    assert!(csdl.is_ok(), "the test service parses: {csdl:?}");
    let metadata =
        Metadata { versions: csdl.into_iter().map(|csdl| (graph_ir::ApiVersion::Beta, csdl)).collect() };
    verify(&api, pages.iter().copied(), &metadata)
}

/// The report's lines of one class and category, as `file:line message`.
fn lines(report: &Report, class: Class, category: &str) -> Vec<String> {
    report
        .disagreements
        .iter()
        .filter(|d| d.class == class && d.category == category)
        .map(|d| format!("{}:{} {}", d.span.file, d.span.line, d.message))
        .collect()
}

fn figure(report: &Report, name: &str) -> (usize, usize) {
    let summary = report.summary();
    summary.get("beta").and_then(|figures| figures.get(name)).map_or((0, 0), |f| (f.numerator, f.denominator))
}

#[test]
fn a_request_line_the_service_cannot_route_is_doc_only_with_the_failing_segment() {
    let report = check(|_| {});
    assert_eq!(figure(&report, "request_lines.resolved"), (2, 3));
    // The create page's `assignment` response is what the resolving path names.
    assert_eq!(figure(&report, "responses.precision"), (1, 1));
    assert_eq!(
        lines(&report, Class::DocOnly, "request_lines"),
        [format!(
            "{CREATE}:20 `POST /deviceManagement/reports/assignments` does not resolve: segment 2: \
             microsoft.graph.deviceManagement has no navigation, property, action or function `reports` \
             (nor its base or derived types); nothing in the metadata has that name"
        )]
    );
}

#[test]
fn a_request_line_missing_from_the_model_is_parser_missed() {
    let report = check(|api| {
        for operation in &mut api.operations {
            operation.paths.retain(|path| !path.raw.contains("reports"));
        }
    });
    assert_eq!(figure(&report, "request_lines.recall"), (2, 3));
    let missed = lines(&report, Class::ParserMissed, "request_lines");
    assert_eq!(missed.len(), 1);
    assert!(missed.iter().all(|line| line.starts_with(&format!("{CREATE}:20 "))));
    // The page itself is then incomplete, and the reorder page still complete.
    assert_eq!(figure(&report, "api_pages.complete"), (1, 2));
    assert_eq!(
        lines(&report, Class::ParserMissed, "api_pages"),
        [format!(
            "{CREATE}:20 1 of the page's 2 request lines is not the method and a path of an operation \
             from this page: `POST /deviceManagement/reports/assignments`"
        )]
    );
}

#[test]
fn an_action_a_page_calls_but_the_model_does_not_is_parser_missed() {
    let report = check(|api| {
        for operation in &mut api.operations {
            operation.paths.retain(|path| !path.raw.ends_with("/reorder"));
        }
    });
    assert_eq!(
        lines(&report, Class::ParserMissed, "operations"),
        ["beta_metadata.xml:28 action reorder bound to Collection(microsoft.graph.profile): a page's request \
          line calls it, but no path of the model does"]
    );
    assert!(lines(&report, Class::MetadataOnly, "operations").iter().all(|line| !line.contains("reorder")));
}

#[test]
fn an_api_page_is_complete_only_through_an_operation_it_describes() {
    assert_eq!(figure(&check(|_| {}), "api_pages.complete"), (2, 2));
    // The model still has every (method, path) pair, but as if another page had described them.
    let report = check(|api| {
        for operation in &mut api.operations {
            for span in &mut operation.sources {
                if &*span.file == CREATE {
                    span.file = REORDER.into();
                }
            }
        }
    });
    assert_eq!(figure(&report, "request_lines.recall"), (3, 3));
    assert_eq!(figure(&report, "api_pages.complete"), (1, 2));
    let missed = lines(&report, Class::ParserMissed, "api_pages");
    assert_eq!(missed.len(), 1);
    assert!(missed
        .iter()
        .all(|line| line.starts_with(&format!("{CREATE}:19 2 of the page's 2 request lines are"))));
}

#[test]
fn properties_split_into_doc_only_parser_missed_and_metadata_only() {
    let report = check(|api| {
        for def in &mut api.types {
            def.properties.retain(|property| property.name != "sourceId");
        }
    });
    let doc_only = lines(&report, Class::DocOnly, "properties");
    assert_eq!(
        doc_only,
        [format!("{RESOURCE}:19 `assignment.intent`: the metadata type has no such property")]
    );
    let missed = lines(&report, Class::ParserMissed, "properties");
    assert_eq!(
        missed,
        [format!("{RESOURCE}:17 `assignment.sourceId`: the page lists this property, the model lacks it")]
    );
    let metadata_only = lines(&report, Class::MetadataOnly, "properties");
    assert_eq!(metadata_only.len(), 1);
    assert!(metadata_only.iter().all(|line| line.starts_with("beta_metadata.xml:23 `assignment.createdBy`")));
}

#[test]
fn a_property_type_the_metadata_disagrees_with_is_listed() {
    let report = check(|_| {});
    assert_eq!(
        lines(&report, Class::DocOnly, "property_types"),
        [format!("{RESOURCE}:18 `assignment.priority`: the page says Int32, the metadata Edm.String")]
    );
}

#[test]
fn enum_members_on_one_side_only_are_listed_on_that_side() {
    let report = check(|_| {});
    assert_eq!(
        lines(&report, Class::DocOnly, "enum_members"),
        [format!("{ENUM}:17 `assignmentSource.legacy`: the metadata enum has no such member")]
    );
    let metadata_only = lines(&report, Class::MetadataOnly, "enum_members");
    assert_eq!(metadata_only.len(), 1);
    assert!(metadata_only
        .iter()
        .all(|line| line.starts_with("beta_metadata.xml:7 `assignmentSource.unknownFutureValue`")));
    assert_eq!(figure(&report, "enum_members.recall"), (2, 3));
}

#[test]
fn a_bound_action_no_page_calls_is_metadata_only() {
    let report = check(|_| {});
    assert_eq!(
        lines(&report, Class::MetadataOnly, "operations"),
        ["beta_metadata.xml:25 action assign bound to microsoft.graph.profile: no page's path calls it"]
    );
}

#[test]
fn operation_parameters_on_one_side_only_are_listed_on_that_side() {
    let report = check(|_| {});
    assert_eq!(figure(&report, "operation_parameters.precision"), (1, 2));
    let doc_only = lines(&report, Class::DocOnly, "operation_parameters");
    assert_eq!(doc_only.len(), 1);
    assert!(doc_only
        .iter()
        .all(|line| line.starts_with(&format!("{REORDER}:30 ")) && line.contains("`dryRun`")));
    let metadata_only = lines(&report, Class::MetadataOnly, "operation_parameters");
    assert_eq!(metadata_only.len(), 1);
    assert!(metadata_only
        .iter()
        .all(|line| line.starts_with("beta_metadata.xml:28 action reorder parameter `startAt`")));
}

#[test]
fn the_printed_report_is_deterministic_and_names_every_figure() {
    let first = check(|_| {}).to_string();
    assert_eq!(first, check(|_| {}).to_string());
    for (name, _) in graph_verify::report::DEFINITIONS {
        assert!(first.contains(name), "the report prints {name}");
    }
}

#[test]
fn an_api_page_whose_request_lines_name_no_path_is_doc_only() {
    // As the partner-integration stubs of 2021 were generated: the URI left as a placeholder.
    let stub = "# Get vulnerableThing\n\nNamespace: microsoft.graph\n\nRead a vulnerableThing.\n\n\
                ## HTTP Request\n``` http\nGET ** Entity URI for microsoft.management.services.api.vulnerableThing not found\n```\n";
    let path = "api-reference/beta/api/intune-x-vulnerablething-get.md";
    let report = check_pages(&[(path, stub)], SERVICE, |_| {});
    assert_eq!(figure(&report, "api_pages.complete"), (0, 1));
    assert_eq!(
        lines(&report, Class::DocOnly, "api_pages"),
        [format!(
            "{path}:9 1 of the page's 1 request lines is not the method and a path of an operation from \
             this page: `GET ** Entity URI for microsoft.management.services.api.vulnerableThing not found`"
        )]
    );
}

/// A service whose profiles come in a Windows kind and an iOS kind, listed together.
const KINDS_SERVICE: &str = r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="entity" Abstract="true">
        <Key><PropertyRef Name="id" /></Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
      </EntityType>
      <EntityType Name="deviceManagement" BaseType="graph.entity">
        <NavigationProperty Name="profiles" Type="Collection(graph.profile)" ContainsTarget="true" />
      </EntityType>
      <EntityType Name="profile" BaseType="graph.entity" />
      <EntityType Name="windowsProfile" BaseType="graph.profile" />
      <EntityType Name="iosProfile" BaseType="graph.profile" />
      <EntityContainer Name="GraphService">
        <Singleton Name="deviceManagement" Type="microsoft.graph.deviceManagement" />
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;

/// The list pages of profiles and of each kind (all at the profiles' path) with their resource
/// pages, parsed and merged; `tamper` stands in for a parser that errs; then verified.
fn check_kinds(tamper: impl FnOnce(&mut graph_ir::Api)) -> Report {
    let resource = |name: &str, base: &str| {
        format!(
            "---\ndoc_type: resourcePageType\n---\n# {name} resource type\n\nNamespace: microsoft.graph\n\n{base}\
             ## Properties\n|Property|Type|Description|\n|:---|:---|:---|\n|id|String|Its key|\n"
        )
    };
    let list = |name: &str| {
        format!(
            "---\ndoc_type: apiPageType\n---\n# List {name}s\n\nNamespace: microsoft.graph\n\n\
             ## HTTP Request\n``` http\nGET /deviceManagement/profiles\n```\n\n## Response\n\
             If successful, this method returns a `200 OK` response code and a collection of \
             [{name}](../resources/intune-x-{name}.md) objects in the response body.\n"
        )
    };
    let inherits = "Inherits from [profile](../resources/intune-x-profile.md).\n\n";
    let pages: Vec<(String, String)> = vec![
        ("resources/intune-x-profile.md".into(), resource("profile", "")),
        ("resources/intune-x-windowsProfile.md".into(), resource("windowsProfile", inherits)),
        ("resources/intune-x-iosProfile.md".into(), resource("iosProfile", inherits)),
        ("api/intune-x-profile-list.md".into(), list("profile")),
        ("api/intune-x-windowsprofile-list.md".into(), list("windowsProfile")),
        ("api/intune-x-iosprofile-list.md".into(), list("iosProfile")),
    ];
    let pages: Vec<(String, String)> =
        pages.into_iter().map(|(path, text)| (format!("api-reference/beta/{path}"), text)).collect();
    check_pages(&pages, KINDS_SERVICE, tamper)
}

fn operation<'a>(api: &'a mut graph_ir::Api, name: &str) -> Option<&'a mut graph_ir::Operation> {
    api.operations.iter_mut().find(|op| op.name == name)
}

#[test]
fn a_kind_listed_at_its_base_path_is_narrowed_as_the_service_types_that_path() {
    let report = check_kinds(|_| {});
    assert_eq!(figure(&report, "narrowed.precision"), (2, 2), "{report}");
    assert_eq!(figure(&report, "narrowed.recall"), (2, 2), "{report}");
    assert!(lines(&report, Class::DocOnly, "narrowed").is_empty(), "{report}");
}

#[test]
fn a_kind_not_narrowed_where_a_page_lists_its_base_is_parser_missed() {
    let report = check_kinds(|api| {
        if let Some(op) = operation(api, "listIosProfiles") {
            op.narrowed = None;
        }
    });
    assert_eq!(figure(&report, "narrowed.recall"), (1, 2));
    assert_eq!(
        lines(&report, Class::ParserMissed, "narrowed"),
        ["api-reference/beta/api/intune-x-iosprofile-list.md:14 `listIosProfiles` answers `iosProfile` at \
          `/deviceManagement/profiles`, where `listProfiles` answers a base of it, but reads every object there \
          as `iosProfile`"]
    );
}

#[test]
fn a_kind_not_narrowed_where_only_the_service_answers_every_kind_is_metadata_only() {
    let report = check_kinds(|api| {
        api.operations.retain(|op| op.name != "listProfiles");
        for op in &mut api.operations {
            op.narrowed = None;
        }
    });
    assert_eq!(figure(&report, "narrowed.recall"), (0, 2));
    assert_eq!(
        lines(&report, Class::MetadataOnly, "narrowed")[..1],
        ["api-reference/beta/api/intune-x-iosprofile-list.md:14 `listIosProfiles` answers `iosProfile` at \
          `/deviceManagement/profiles`, which the metadata types as its base microsoft.graph.profile; no page \
          documents a base there, so every object there is read as `iosProfile`"]
    );
}

#[test]
fn narrowing_what_the_service_types_as_the_operations_own_type_is_doc_only() {
    let report = check_kinds(|api| {
        let narrowing = operation(api, "listIosProfiles").and_then(|op| op.narrowed.clone());
        if let (Some(op), Some(mut narrowing)) = (operation(api, "listProfiles"), narrowing) {
            narrowing.kept = vec!["profile".into()];
            op.narrowed = Some(narrowing);
        }
    });
    assert_eq!(figure(&report, "narrowed.precision"), (2, 3));
    let doc_only = lines(&report, Class::DocOnly, "narrowed");
    assert_eq!(doc_only.len(), 1, "{report}");
    assert!(doc_only.iter().all(|line| line.contains("`listProfiles` reads only `profile`")), "{doc_only:?}");
}
