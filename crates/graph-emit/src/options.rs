//! Query-option markers: one zero-sized type per distinct set of `## Optional query parameters` an
//! operation's page lists, implementing the graph-runtime `options` traits that unlock the matching
//! setters on `graph_runtime::Request`. The markers live in the crate's `options` module.

use std::collections::BTreeMap;

use graph_ir::{Api, Operation};
use proc_macro2::TokenStream;
use quote::quote;

use crate::docs::{code, Doc};
use crate::naming;

/// The OData system options graph-runtime has a setter for: the lower-case name without `$`, and the
/// marker trait that unlocks its setter. The order is the order of a marker's name.
const SYSTEM: &[(&str, &str)] = &[
    ("select", "Select"),
    ("expand", "Expand"),
    ("filter", "Filter"),
    ("search", "Search"),
    ("orderby", "OrderBy"),
    ("top", "Top"),
    ("skip", "Skip"),
    ("skiptoken", "SkipToken"),
    ("count", "Count"),
    ("format", "Format"),
];

/// The options of one operation, reduced to what its marker says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct OptionSet {
    /// Indexes into [`SYSTEM`], sorted.
    system: Vec<usize>,
    /// Other parameters the page lists, sent by name with `param`; sorted, as the page spells them.
    params: Vec<String>,
}

impl OptionSet {
    fn of(op: &Operation) -> Option<OptionSet> {
        let mut set = OptionSet { system: Vec::new(), params: Vec::new() };
        for option in &op.query_options {
            // Only a `$` name is a system option: a function's own `top` parameter is sent as `top`.
            let system = option
                .name
                .trim()
                .strip_prefix('$')
                .and_then(|bare| SYSTEM.iter().position(|(name, _)| name.eq_ignore_ascii_case(bare)));
            match system {
                Some(index) => set.system.push(index),
                None if !option.name.trim().is_empty() => set.params.push(option.name.trim().to_owned()),
                None => {}
            }
        }
        set.system.sort_unstable();
        set.system.dedup();
        set.params.sort();
        set.params.dedup();
        (!set.system.is_empty() || !set.params.is_empty()).then_some(set)
    }

    /// `SelectExpand`; with other parameters, `…Params` and their names (`FilterParamsStartDateTime`).
    fn marker_name(&self) -> String {
        let mut name: String =
            self.system.iter().filter_map(|index| SYSTEM.get(*index)).map(|s| s.1).collect();
        if !self.params.is_empty() {
            name.push_str("Params");
            for param in &self.params {
                name.push_str(&naming::type_name(param));
            }
        }
        name
    }

    fn traits(&self) -> Vec<&'static str> {
        let mut traits: Vec<&str> =
            self.system.iter().filter_map(|index| SYSTEM.get(*index)).map(|s| s.1).collect();
        if !self.params.is_empty() {
            traits.push("Params");
        }
        traits
    }
}

/// The query-option type of an operation's `Request`, as seen from a version's paths module.
pub fn options_type(op: &Operation) -> TokenStream {
    match OptionSet::of(op) {
        Some(set) => {
            let ident = naming::ident(&set.marker_name());
            quote!(crate::options::#ident)
        }
        None => quote!(graph_runtime::options::NoOptions),
    }
}

/// Whether any operation takes query options (the crate then has an `options` module).
pub fn any(api: &Api) -> bool {
    api.operations.iter().any(|op| OptionSet::of(op).is_some())
}

/// The items of the crate's `options` module: every marker, in name order.
pub fn options_items(api: &Api) -> TokenStream {
    let mut sets: BTreeMap<String, (OptionSet, usize)> = BTreeMap::new();
    for set in api.operations.iter().filter_map(OptionSet::of) {
        sets.entry(set.marker_name()).or_insert((set, 0)).1 += 1;
    }
    let mut out = TokenStream::new();
    for (name, (set, count)) in sets {
        let ident = naming::ident(&name);
        let listed: Vec<String> = set
            .system
            .iter()
            .filter_map(|index| SYSTEM.get(*index))
            .map(|(name, _)| code(&format!("${name}")))
            .chain(set.params.iter().map(|param| format!("{} (with `param`)", code(param))))
            .collect();
        let doc = Doc::new(format!(
            "The query options {}: {}.",
            match count {
                1 => "one operation's page lists".to_owned(),
                n => format!("{n} operations' pages list"),
            },
            listed.join(", ")
        ))
        .outer();
        let traits = set.traits().into_iter().map(naming::ident);
        out.extend(quote! {
            #doc
            #[derive(Debug, Clone, Copy)]
            pub enum #ident {}
            #(impl graph_runtime::options::#traits for #ident {})*
        });
    }
    out
}
