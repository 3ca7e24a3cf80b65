//! Cargo features per area: an operation's areas come from the file names of the pages that
//! describe it (`intune-onboarding-…` → `onboarding`; `GET /deviceManagement` has a page in each of
//! 16 areas, and belongs to all 16); a type belongs to every area whose operations reach it
//! (bodies, responses, properties and derived types, transitively; not base types, whose fields a
//! derived struct holds itself); a builder to every area of the operations at or below it.
//!
//! Input without area names (the `000-…` sample pages) has no area features and no `cfg` at all; every
//! crate has the runtime's transport features (`http2`, `socks`, and the TLS stack: `rustls` by default
//! or `native-tls`), passed on to it. With areas, each gated item gets
//! `#[cfg(any(feature = "a", …))]`: top-level items through a [`marker`] that the formatter turns into
//! attributes on the items after it (the items are built as tokens by several emitters; the marker
//! keeps the gating in one place), methods directly.

use std::collections::{BTreeMap, BTreeSet};

use graph_ir::{Api, Operation, RequestBody, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;

use crate::catalog::Catalog;

/// The marker macro name; no generated item is ever called this.
pub const CFG_MARKER: &str = "__graph_emit_cfg";

/// The feature that enables every area (and the types no operation reaches).
pub const FULL: &str = "full";

/// The runtime's features every generated crate passes on: HTTP/2, gzip-compressed answers, SOCKS
/// proxies, the two TLS stacks, certificate credentials, and a user's sign-in in a browser.
const RUNTIME_FEATURES: [&str; 8] =
    ["http2", "gzip", "socks", "rustls", "native-tls", "certificate", "pkcs12", "interactive"];

/// The TLS stack a crate built with default features uses.
const DEFAULT_TLS: &str = "rustls";

/// Whether a feature name is one the crate defines for itself: a page area spelled like one counts
/// as no area.
fn reserved(name: &str) -> bool {
    name == "default" || name == FULL || name == OTHER || RUNTIME_FEATURES.contains(&name)
}

/// The area of operations whose page name does not say one, when other pages do.
const OTHER: &str = "other";

/// A set of area names.
pub type AreaSet = BTreeSet<String>;

/// The area of an operation: `onboarding` for `…/intune-onboarding-x-create.md`.
pub fn page_area(file: &str) -> Option<String> {
    let name = file.rsplit('/').next().unwrap_or(file);
    let rest = name.strip_prefix("intune-")?;
    let area = rest.split('-').next().filter(|area| !area.is_empty())?;
    let valid = area.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let area = area.to_ascii_lowercase();
    (valid && !reserved(&area)).then_some(area)
}

/// The areas of the whole input (empty: no gating).
#[derive(Debug, Clone, Default)]
pub struct Areas {
    pub names: AreaSet,
}

impl Areas {
    pub fn new(api: &Api) -> Areas {
        let found: Vec<Option<String>> =
            api.operations.iter().flat_map(|op| &op.sources).map(|span| page_area(&span.file)).collect();
        let mut names: AreaSet = found.iter().flatten().cloned().collect();
        if !names.is_empty() && found.iter().any(Option::is_none) {
            names.insert(OTHER.to_owned());
        }
        Areas { names }
    }

    pub fn gated(&self) -> bool {
        !self.names.is_empty()
    }

    /// The areas of one operation: those of every page that describes it (only meaningful when
    /// [`Areas::gated`]).
    pub fn of(&self, op: &Operation) -> AreaSet {
        op.sources.iter().map(|span| page_area(&span.file).unwrap_or_else(|| OTHER.to_owned())).collect()
    }

    /// `#[cfg(…)]` for an item needed by `set` (an empty set: only `full`); nothing when ungated.
    pub fn attribute(&self, set: &AreaSet) -> TokenStream {
        match self.predicate(set) {
            Some(predicate) => quote!(#[cfg(#predicate)]),
            None => TokenStream::new(),
        }
    }

    /// A [`marker`] gating the items after it by `set`; nothing when ungated.
    pub fn marker(&self, set: &AreaSet) -> TokenStream {
        match self.predicate(set) {
            Some(predicate) => marker(predicate),
            None => TokenStream::new(),
        }
    }

    fn predicate(&self, set: &AreaSet) -> Option<TokenStream> {
        if !self.gated() {
            return None;
        }
        let features: Vec<&str> = match set.is_empty() {
            true => vec![FULL],
            false => set.iter().map(String::as_str).collect(),
        };
        Some(match features.as_slice() {
            [one] => quote!(feature = #one),
            many => quote!(any(#(feature = #many),*)),
        })
    }

    /// The crate-level inner attribute of a gated file: with only some areas enabled, imports and
    /// helpers that only other areas use are expected; with `full`, every lint applies.
    pub fn file_preamble(&self) -> String {
        match self.gated() {
            true => {
                format!("# ! [cfg_attr (not (feature = \"{FULL}\") , allow (dead_code , unused_imports))]")
            }
            false => String::new(),
        }
    }

    /// The `[features]` table: `default = ["rustls"]`, the runtime's transport features passed on
    /// to it, and when gated `full` = every area and one empty feature per area.
    pub fn cargo_features(&self) -> String {
        let mut out = format!("\n[features]\ndefault = [\"{DEFAULT_TLS}\"]\n");
        for feature in RUNTIME_FEATURES {
            out.push_str(&format!("{feature} = [\"graph-runtime/{feature}\"]\n"));
        }
        if !self.gated() {
            return out;
        }
        let all: Vec<String> = self.names.iter().map(|name| format!("\"{name}\"")).collect();
        out.push_str(&format!("{FULL} = [{}]\n", all.join(", ")));
        for name in &self.names {
            out.push_str(&format!("{name} = []\n"));
        }
        out
    }
}

/// The crate's Cargo features, one documentation line each, for the crate's own docs: the transport
/// features, then `full` and every area with the operations it enables.
pub fn feature_docs(areas: &Areas, api: &Api) -> Vec<String> {
    let mut lines = vec![
        format!("`{DEFAULT_TLS}` (default): TLS by rustls, trusting Mozilla's root certificates."),
        "`native-tls`: the platform's TLS and trust store instead (OpenSSL on Linux); build with \
         `default-features = false`."
            .to_owned(),
        "`http2`: negotiate HTTP/2 (HTTP/1.1 otherwise).".to_owned(),
        "`gzip`: ask Graph for gzip-compressed answers, and decompress them (a large list's pages travel \
         in a fraction of their size)."
            .to_owned(),
        "`socks`: SOCKS proxies (`socks5h://`, `socks5://`, `socks4a://`, `socks4://`) as well as HTTP ones."
            .to_owned(),
        "`certificate`: `graph_runtime::ClientCredentials::certificate`, an app that proves itself \
         with a certificate rather than a secret."
            .to_owned(),
        "`pkcs12`: `certificate`, with the certificate read from a PKCS #12 (`.pfx`) file or from PEM \
         whose key is encrypted (`graph_runtime::Certificate::from_pkcs12`)."
            .to_owned(),
        "`interactive`: `graph_runtime::InteractiveBrowser`, a user who signs in in a browser \
         (authorization code flow with PKCE)."
            .to_owned(),
    ];
    if !areas.gated() {
        return lines;
    }
    let mut operations: BTreeMap<String, usize> = BTreeMap::new();
    for op in &api.operations {
        for area in areas.of(op) {
            *operations.entry(area).or_default() += 1;
        }
    }
    lines.push(format!(
        "`{FULL}`: every area below, and the types no operation reaches (no area is on by default)."
    ));
    for name in &areas.names {
        let count = operations.get(name).copied().unwrap_or(0);
        let pages = match name.as_str() {
            OTHER => "pages whose names carry no area".to_owned(),
            _ => format!("the `intune-{name}-…` pages"),
        };
        lines.push(format!("`{name}`: the operations of {pages} ({count}) and the types they use."));
    }
    lines
}

/// `__graph_emit_cfg!(predicate);`: the formatter gives the items after it `#[cfg(predicate)]`.
fn marker(predicate: TokenStream) -> TokenStream {
    let name = proc_macro2::Ident::new(CFG_MARKER, proc_macro2::Span::call_site());
    quote!(#name!(#predicate);)
}

/// A marker that ends gating: the items after it are always compiled.
pub fn ungated_marker(areas: &Areas) -> TokenStream {
    match areas.gated() {
        true => marker(TokenStream::new()),
        false => TokenStream::new(),
    }
}

/// Which areas need each type of one version, by wire name (types no operation reaches are absent).
pub fn type_areas<'a>(
    areas: &Areas,
    catalog: &Catalog<'a>,
    operations: &[&'a Operation],
) -> BTreeMap<String, AreaSet> {
    let mut roots: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    if !areas.gated() {
        return BTreeMap::new();
    }
    for op in operations {
        let mut refs: Vec<&TypeRef> = op.response.body.iter().collect();
        match &op.request_body {
            Some(RequestBody::Resource { type_ref, .. }) => refs.push(type_ref),
            Some(RequestBody::Parameters { .. }) => {
                if let Some((_, fields)) = catalog.request(&op.name) {
                    refs.extend(fields.iter().map(|field| &field.property.type_ref));
                }
            }
            None => {}
        }
        let names: Vec<&str> = refs.into_iter().filter_map(named).collect();
        for area in areas.of(op) {
            roots.entry(area).or_default().extend(names.iter().copied());
        }
    }
    let mut out: BTreeMap<String, AreaSet> = BTreeMap::new();
    for (area, names) in roots {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut stack = names;
        while let Some(name) = stack.pop() {
            if !seen.insert(name) {
                continue;
            }
            // A struct holds its inherited fields itself: its base types are not needed for it; the
            // types derived from it are, as what an answer read as it may be.
            stack.extend(catalog.fields(name).iter().filter_map(|field| named(&field.property.type_ref)));
            stack.extend(catalog.variants(name).iter().copied());
        }
        for name in seen {
            out.entry(name.to_owned()).or_default().insert(area.clone());
        }
    }
    out
}

/// The named type inside a reference (through collections).
fn named(type_ref: &TypeRef) -> Option<&str> {
    match type_ref {
        TypeRef::Named(name) => Some(name),
        TypeRef::Collection(item) => named(item),
        TypeRef::Primitive(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_area_is_the_word_after_intune() {
        assert_eq!(
            page_area("api-reference/beta/api/intune-onboarding-x-create.md").as_deref(),
            Some("onboarding")
        );
        assert_eq!(page_area("intune-deviceconfigv2-y-list.md").as_deref(), Some("deviceconfigv2"));
        assert_eq!(page_area("000-beta-create.txt"), None);
        assert_eq!(page_area("intune--x.md"), None);
        // Names the crate's own features use are no area.
        assert_eq!(page_area("intune-full-x-get.md"), None);
        assert_eq!(page_area("intune-other-x-get.md"), None, "the area of pages that name none");
        assert_eq!(page_area("intune-HTTP2-x-get.md"), None);
        assert_eq!(page_area("intune-rustls-x-get.md"), None);
        assert_eq!(page_area("intune-socks-x-get.md"), None);
        assert_eq!(page_area("intune-gzip-x-get.md"), None);
        assert_eq!(page_area("intune-certificate-x-get.md"), None);
        assert_eq!(page_area("intune-interactive-x-get.md"), None);
    }

    /// What every crate's `[features]` table starts with.
    const RUNTIME: &str = "\n[features]\ndefault = [\"rustls\"]\nhttp2 = [\"graph-runtime/http2\"]\n\
                           gzip = [\"graph-runtime/gzip\"]\n\
                           socks = [\"graph-runtime/socks\"]\nrustls = [\"graph-runtime/rustls\"]\n\
                           native-tls = [\"graph-runtime/native-tls\"]\n\
                           certificate = [\"graph-runtime/certificate\"]\n\
                           pkcs12 = [\"graph-runtime/pkcs12\"]\n\
                           interactive = [\"graph-runtime/interactive\"]\n";

    #[test]
    fn features_list_every_area_under_full() {
        let areas = Areas { names: ["b".to_owned(), "a".to_owned()].into_iter().collect() };
        assert_eq!(areas.cargo_features(), format!("{RUNTIME}full = [\"a\", \"b\"]\na = []\nb = []\n"));
        assert_eq!(Areas::default().cargo_features(), RUNTIME);
        let one: AreaSet = ["a".to_owned()].into_iter().collect();
        assert_eq!(areas.attribute(&one).to_string(), "# [cfg (feature = \"a\")]");
        assert_eq!(areas.attribute(&AreaSet::new()).to_string(), "# [cfg (feature = \"full\")]");
        assert!(Areas::default().attribute(&one).is_empty());
    }
}
