//! Best-effort repair of example JSON that is not strict JSON: `//` and `/* */` comments, trailing
//! commas, and `...` ellipsis lines. Used only after strict parsing failed, and always reported.

/// Returns `text` with comments, ellipsis lines and trailing commas removed (outside strings).
pub fn repair(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for next in chars.by_ref() {
                    if next == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut previous = ' ';
                for next in chars.by_ref() {
                    if previous == '*' && next == '/' {
                        break;
                    }
                    previous = next;
                }
            }
            _ => out.push(c),
        }
    }
    let without_ellipsis: String =
        out.lines().filter(|l| !matches!(l.trim(), "..." | "…" | "...,")).collect::<Vec<_>>().join("\n");
    remove_trailing_commas(&without_ellipsis)
}

fn remove_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        if c == ',' {
            let next = chars.iter().skip(i + 1).find(|n| !n.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::repair;

    #[test]
    fn comments_and_trailing_commas_go_strings_stay() {
        let fixed = repair(
            "{\n  \"a\": \"x // not a comment\", // comment\n  \"b\": [1, 2,],\n  /* c */ \"c\": 1,\n}",
        );
        let value: serde_json::Value = serde_json::from_str(&fixed).unwrap_or_default();
        assert_eq!(value, serde_json::json!({"a": "x // not a comment", "b": [1, 2], "c": 1}));
    }
}
