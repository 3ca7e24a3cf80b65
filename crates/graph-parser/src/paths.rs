//! Path templates: `/a/{id}/microsoft.graph.x/f(p='{v}')` → segments, and matching example paths.

use graph_ir::{CallArgument, PathSegment};

/// Splits a path template into segments. Errors say why the path is not a template.
pub fn parse_path(path: &str) -> Result<Vec<PathSegment>, String> {
    let mut segments = Vec::new();
    for raw in path.split('/').filter(|s| !s.is_empty()) {
        segments.push(parse_segment(raw)?);
    }
    if segments.is_empty() {
        return Err("has no segments".into());
    }
    Ok(segments)
}

fn parse_segment(raw: &str) -> Result<PathSegment, String> {
    if let Some(name) = raw.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        return if is_identifier(name) {
            Ok(PathSegment::Parameter { name: name.to_owned() })
        } else {
            Err(format!("has a parameter `{raw}` that is not a name"))
        };
    }
    if let Some(open) = raw.find('(') {
        let name = raw.get(..open).unwrap_or_default();
        let inner = raw.get(open + 1..).and_then(|r| r.strip_suffix(')'));
        let (Some(inner), true) = (inner, is_identifier(name)) else {
            return Err(format!("has a segment `{raw}` that is not `name(arguments)`"));
        };
        let arguments = inner.split(',').filter(|a| !a.trim().is_empty()).map(parse_argument).collect();
        return Ok(PathSegment::Call { name: name.to_owned(), arguments });
    }
    if let Some((namespace, type_name)) = raw.rsplit_once('.') {
        if namespace.starts_with("microsoft.graph") && is_identifier(type_name) {
            return Ok(PathSegment::Cast {
                namespace: namespace.to_owned(),
                type_name: type_name.to_owned(),
            });
        }
    }
    if is_identifier(raw) || raw == "$value" || raw == "$count" || raw == "$ref" {
        Ok(PathSegment::Literal { name: raw.to_owned() })
    } else {
        Err(format!("has a segment `{raw}` that is not a name"))
    }
}

fn parse_argument(text: &str) -> CallArgument {
    let (name, value) = text.split_once('=').unwrap_or(("", text));
    let raw = value.trim().trim_matches('\'').to_owned();
    let parameter = raw.strip_prefix('{').and_then(|r| r.strip_suffix('}')).map(str::to_owned);
    CallArgument { name: name.trim().to_owned(), parameter, raw }
}

fn is_identifier(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether an example's concrete path (`/a/123/b`, or `/a/{id}/b` copied from the template) is an
/// instance of the template `segments`. Literal segments compare case-insensitively, as Graph does.
pub fn matches(segments: &[PathSegment], path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    parts.len() == segments.len()
        && segments.iter().zip(&parts).all(|(segment, part)| match segment {
            PathSegment::Parameter { .. } => true,
            PathSegment::Literal { name } => name.eq_ignore_ascii_case(part),
            PathSegment::Cast { namespace, type_name } => {
                part.eq_ignore_ascii_case(&format!("{namespace}.{type_name}"))
            }
            PathSegment::Call { name, .. } => {
                part.split('(').next().is_some_and(|n| n.eq_ignore_ascii_case(name))
            }
        })
}

/// Whether an example's path calls the function the template names with its arguments in the URL:
/// OData writes them after the function's name (`/a/getIt(p='x',n=2)`), which the page's request line
/// leaves out (`/a/getIt`). The call is the path's closing parenthesised group, found from the end:
/// an argument may hold a `/` or a `(`, and a key in parentheses may come before the call
/// (`/a('1')/getIt(p='x')`).
pub fn matches_function_call(segments: &[PathSegment], path: &str) -> bool {
    let Some(callee) = call_start(path).and_then(|open| path.get(..open)) else {
        return false;
    };
    matches!(segments.last(), Some(PathSegment::Literal { .. })) && matches(segments, callee)
}

/// Where the call that ends `path` opens: the `(` matching its final `)`, outside quoted literals
/// (`''` inside one toggles twice, so it stays quoted). None when the path does not end in a call.
fn call_start(path: &str) -> Option<usize> {
    if !path.ends_with(')') {
        return None;
    }
    let (mut depth, mut quoted) = (0_u32, false);
    for (at, byte) in path.bytes().enumerate().rev() {
        match byte {
            b'\'' => quoted = !quoted,
            b')' if !quoted => depth += 1,
            b'(' if !quoted => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_of_a_multi_kind_path() {
        let segments = parse_path("/a/{aId}/microsoft.graph.x/getIt(period='{p}')").unwrap_or_default();
        assert_eq!(segments.len(), 4);
        assert_eq!(segments[1], PathSegment::Parameter { name: "aId".into() });
        assert_eq!(
            segments[2],
            PathSegment::Cast { namespace: "microsoft.graph".into(), type_name: "x".into() }
        );
        assert!(
            matches!(&segments[3], PathSegment::Call { name, arguments } if name == "getIt" && arguments[0].parameter.as_deref() == Some("p"))
        );
    }

    #[test]
    fn bad_segments_are_errors_not_panics() {
        assert!(parse_path("/a b/c").is_err());
        assert!(parse_path("/{}/").is_err());
        assert!(parse_path("/").is_err());
        assert!(parse_path("/f(").is_err());
    }

    #[test]
    fn example_paths_match_templates() {
        let segments = parse_path("/a/{id}/b").unwrap_or_default();
        assert!(matches(&segments, "/a/123/b"));
        assert!(matches(&segments, "/A/{id}/b"));
        assert!(!matches(&segments, "/a/123"));
    }

    #[test]
    fn a_function_s_call_matches_the_template_that_names_it_bare() {
        let segments = parse_path("/reports/{id}/getTop").unwrap_or_default();
        assert!(matches_function_call(&segments, "/reports/7/getTop(status='a/b',count=5)"));
        assert!(matches_function_call(&segments, "/reports/7/GetTop()"));
        assert!(!matches_function_call(&segments, "/reports/7/getTop"), "no call");
        assert!(!matches_function_call(&segments, "/reports/7/getOther(count=5)"));
        assert!(!matches_function_call(&segments, "/reports(1)/7/getTop(n=1)"), "a call mid-path");
        assert!(!matches_function_call(&segments, "/reports/7/getTop(n=1"), "unclosed");
        assert!(!matches_function_call(&segments, "/reports/7/getTop)"), "unopened");
        assert!(matches_function_call(&segments, "/reports/7/getTop(name='(a)/b)')"), "parentheses quoted");
        let keyed = parse_path("/reports('{id}')/getTop").unwrap_or_default();
        assert!(matches_function_call(&keyed, "/reports('7')/getTop(n=1)"), "a key before the call");
        assert!(matches_function_call(&keyed, "/reports('it''s (7)')/getTop(n=1)"));
        let ends_in_a_parameter = parse_path("/reports/{id}").unwrap_or_default();
        assert!(!matches_function_call(&ends_in_a_parameter, "/reports/getTop(count=5)"));
    }
}
