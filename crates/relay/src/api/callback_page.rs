//! The small HTML page served with the `/oauth/callback` redirect, for browsers that do not
//! follow a 302 to a custom scheme on their own.

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page: an "Open Steward" button and the same link as text.
pub fn render(deep_link: &str, is_error: bool) -> String {
    let link = escape(deep_link);
    let heading = if is_error {
        "HubSpot did not connect"
    } else {
        "HubSpot is connected"
    };
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Steward — {heading}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem; color: #1f2933; }}
a.button {{ display: inline-block; padding: .75rem 1.5rem; background: #0b6e4f; color: #fff; border-radius: .4rem; text-decoration: none; font-weight: 600; }}
code {{ word-break: break-all; font-size: .8rem; color: #52606d; }}
</style>
</head>
<body>
<h1>{heading}</h1>
<p>Return to the Steward app to finish. If it did not open by itself:</p>
<p><a class="button" href="{link}">Open Steward</a></p>
<p>Or copy this link into Steward: <code>{link}</code></p>
</body>
</html>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let page = render("steward://oauth/callback?code=\"><script>", false);
        assert!(!page.contains("<script>"));
        assert!(page.contains("Open Steward"));
    }
}
