//! The Bru language of Bruno's `.bru` files: blocks `name {` ... `}` of `key: value` rows (a `~`
//! before a key disables it), text blocks (bodies, scripts, docs) and lists (`vars:secret [a, b]`).
//! A tolerant reader: whatever it is given, it returns the blocks it could make out.

/// A parsed `.bru` file: its blocks in order, unknown ones included (lookups take the first).
#[derive(Debug, Default)]
pub(super) struct Bru {
    blocks: Vec<(String, Content)>,
}

#[derive(Debug, PartialEq)]
pub(super) enum Content {
    /// `key: value` rows, enabled ones only.
    Pairs(Vec<(String, String)>),
    /// The lines as written, less the block's 2-space indent.
    Text(String),
    /// `name [ a, b ]` items, enabled ones only.
    List(Vec<String>),
}

/// How a block's first line opens it.
enum Open<'a> {
    Brace,
    Square,
    /// `name {}`.
    Empty,
    /// `name [a, b]`, all on one line.
    Items(&'a str),
}

impl Bru {
    /// Parse Bru text. Anything not understood is passed over: no input makes it fail.
    pub(super) fn parse(text: &str) -> Bru {
        let mut lines = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .peekable();
        let mut blocks = Vec::new();
        while let Some(line) = lines.next() {
            let Some((name, open)) = block_start(line) else {
                continue;
            };
            let text_block = is_text_block(name);
            let content = match open {
                Open::Items(items) => {
                    Content::List(items.split(',').filter_map(list_item).collect())
                }
                Open::Empty if text_block => Content::Text(String::new()),
                Open::Empty => Content::Pairs(Vec::new()),
                Open::Square => Content::List(read_list(&mut lines)),
                Open::Brace if text_block => Content::Text(read_text_block(&mut lines)),
                Open::Brace => Content::Pairs(read_pairs(&mut lines)),
            };
            blocks.push((name.to_string(), content));
        }
        Bru { blocks }
    }

    pub(super) fn block(&self, name: &str) -> Option<&Content> {
        self.blocks.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    pub(super) fn pairs(&self, name: &str) -> &[(String, String)] {
        match self.block(name) {
            Some(Content::Pairs(pairs)) => pairs,
            _ => &[],
        }
    }

    pub(super) fn value(&self, block: &str, key: &str) -> Option<&str> {
        self.pairs(block)
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn text(&self, name: &str) -> Option<&str> {
        match self.block(name) {
            Some(Content::Text(text)) => Some(text),
            _ => None,
        }
    }

    pub(super) fn list(&self, name: &str) -> &[String] {
        match self.block(name) {
            Some(Content::List(items)) => items,
            _ => &[],
        }
    }

    /// Whether it holds what Waybill does not run: scripts, tests, post-response variables.
    pub(super) fn has_scripts(&self) -> bool {
        self.blocks.iter().any(|(name, content)| {
            let filled = match content {
                Content::Text(t) => !t.trim().is_empty(),
                Content::Pairs(p) => !p.is_empty(),
                Content::List(l) => !l.is_empty(),
            };
            filled
                && (name.starts_with("script:") || name == "tests" || name == "vars:post-response")
        })
    }
}

/// `name {`, `name [` (or one-line `name {}`, `name [a]`) at column 0.
fn block_start(line: &str) -> Option<(&str, Open<'_>)> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    let line = line.trim_end();
    let (name, open) = if let Some(name) = line.strip_suffix('{') {
        (name, Open::Brace)
    } else if let Some(name) = line.strip_suffix("{}") {
        (name, Open::Empty)
    } else if let Some(name) = line.strip_suffix('[') {
        (name, Open::Square)
    } else if let Some((name, items)) = line.split_once('[') {
        (name, Open::Items(items.strip_suffix(']')?))
    } else {
        return None;
    };
    let name = name.trim_end();
    (!name.is_empty() && !name.contains(char::is_whitespace)).then_some((name, open))
}

fn is_text_block(name: &str) -> bool {
    (name.starts_with("body:")
        && !matches!(
            name,
            "body:form-urlencoded" | "body:multipart-form" | "body:file"
        ))
        || name.starts_with("script:")
        || matches!(name, "tests" | "docs")
}

/// A block's end: `}` at column 0.
fn is_end(line: &str) -> bool {
    line.trim_end() == "}"
}

fn read_text_block<'a>(lines: &mut impl Iterator<Item = &'a str>) -> String {
    let mut out = Vec::new();
    for line in lines {
        if is_end(line) {
            break;
        }
        out.push(outdent(line, 2));
    }
    out.join("\n")
}

fn read_pairs<'a, I: Iterator<Item = &'a str>>(
    lines: &mut std::iter::Peekable<I>,
) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    while let Some(&line) = lines.peek() {
        // A new block without this one's `}`: this one ends here.
        if block_start(line).is_some() {
            break;
        }
        lines.next();
        if is_end(line) {
            break;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, mut value) = (key.trim(), value.trim().to_string());
        if value == "'''" {
            value = read_multiline(lines);
        }
        if !key.is_empty() && !key.starts_with('~') {
            pairs.push((key.to_string(), value));
        }
    }
    pairs
}

/// A `'''`-quoted value's lines, up to the closing `'''` (or the block's end).
fn read_multiline<'a, I: Iterator<Item = &'a str>>(lines: &mut std::iter::Peekable<I>) -> String {
    let mut out = Vec::new();
    while let Some(&line) = lines.peek() {
        if is_end(line) || block_start(line).is_some() {
            break;
        }
        lines.next();
        if line.trim() == "'''" {
            break;
        }
        out.push(outdent(line, 4));
    }
    out.join("\n")
}

fn read_list<'a>(lines: &mut impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut items = Vec::new();
    for line in lines {
        if line.trim() == "]" {
            break;
        }
        items.extend(line.split(',').filter_map(list_item));
    }
    items
}

fn list_item(item: &str) -> Option<String> {
    let item = item.trim();
    (!item.is_empty() && !item.starts_with('~')).then(|| item.to_string())
}

/// `line` less up to `width` leading spaces.
fn outdent(line: &str, width: usize) -> &str {
    let spaces = line.bytes().take(width).take_while(|b| *b == b' ').count();
    line.get(spaces..).unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = concat!(
        "meta {\r\n  name: Ünïcödé €\r\n  seq: 2\r\n}\r\n\r\n",
        "post {\r\n  url: {{host}}/users/:id?x=1\r\n  body: json\r\n  auth: bearer\r\n}\r\n\r\n",
        "headers {\r\n  ~X-Off: 1\r\n  X-On: ✓\r\n  empty:\r\n}\r\n\r\n",
        "body:json {\r\n  {\"a\": \"}\"}\r\n  }\r\n}\r\n\r\n",
        "vars:secret [\r\n  a,\r\n  ~b, c\r\n]\r\n",
    );

    #[test]
    fn parser_reads_crlf_disabled_rows_text_and_lists() {
        let bru = Bru::parse(SAMPLE);
        assert_eq!(bru.value("meta", "name"), Some("Ünïcödé €"));
        assert_eq!(bru.value("post", "url"), Some("{{host}}/users/:id?x=1"));
        assert_eq!(
            bru.pairs("headers"),
            [("X-On".into(), "✓".into()), ("empty".into(), String::new())]
        );
        assert_eq!(bru.text("body:json"), Some("{\"a\": \"}\"}\n}"));
        assert_eq!(bru.list("vars:secret"), ["a", "c"]);

        let bru = Bru::parse(
            "vars:secret [x, ~y]\nheaders {}\nh {\n  k: '''\n    one\n    two\n  '''\n}\n",
        );
        assert_eq!(bru.list("vars:secret"), ["x"]);
        assert_eq!(bru.block("headers"), Some(&Content::Pairs(Vec::new())));
        assert_eq!(bru.value("h", "k"), Some("one\ntwo"));
    }

    #[test]
    fn parser_survives_hostile_input() {
        let unterminated = Bru::parse("meta {\n  name: a\npost {\n  url: u\nbody:json {\n  {");
        assert_eq!(unterminated.value("meta", "name"), Some("a"));
        assert_eq!(unterminated.value("post", "url"), Some("u"));
        assert_eq!(unterminated.text("body:json"), Some("{"));
        for text in [
            "}",
            "{",
            "[",
            "]",
            " {",
            ":",
            "~",
            "'''",
            "a [",
            "a [\n",
            "h {\n  k: '''",
        ] {
            Bru::parse(text);
        }
        let garbage: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        Bru::parse(&String::from_utf8_lossy(&garbage));
        let long = format!("post {{\n  url: {}\n}}\n", "é".repeat(500_000));
        assert_eq!(
            Bru::parse(&long).value("post", "url").map(str::len),
            Some(1_000_000)
        );
        Bru::parse(&"x".repeat(1 << 20));
        for (at, _) in SAMPLE.char_indices() {
            for wide in ["é", "€", "😀", "\u{feff}"] {
                let mut text = SAMPLE.to_string();
                text.insert_str(at, wide);
                Bru::parse(&text);
                Bru::parse(&text[..at]);
            }
        }
        assert_eq!(outdent("€", 2), "€");
    }
}
