//! The strict subsets of PostgreSQL's pattern languages that filters may use: LIKE patterns,
//! regular expressions (`match`, `imatch`) and `to_tsquery` queries (`fts`). Each accepts only
//! what PostgreSQL surely accepts, so that a filter the whitelist lets through never makes the
//! database answer a syntax error (2201B, 22025, 42601); a pattern outside the subset is refused
//! even when PostgreSQL would have taken it.

/// The longest regular expression or `to_tsquery` text accepted, in bytes.
pub(crate) const MAX_PATTERN: usize = 256;
/// The longest word of a `to_tsquery` text, in bytes (PostgreSQL's limit is 2047).
const MAX_WORD: usize = 100;
/// The deepest nesting of parentheses.
const MAX_DEPTH: usize = 16;
/// The largest `<N>` distance of a `to_tsquery` phrase operator (PostgreSQL's limit is 16384).
const MAX_DISTANCE: u32 = 1000;

/// A LIKE / ILIKE pattern: any text (without NUL) that does not end in a lone escape character,
/// which PostgreSQL refuses ("LIKE pattern must not end with escape character").
pub(crate) fn is_like_pattern(p: &str) -> bool {
    let trailing = p.bytes().rev().take_while(|&b| b == b'\\').count();
    trailing % 2 == 0
}

/// A POSIX regular expression in this subset (PostgreSQL's advanced syntax accepts all of it):
///
/// - literal characters: anything but `^ $ . [ ] ( ) | * + ? { } \`;
/// - `.`, the anchors `^` and `$`, and escapes: `\` before an ASCII punctuation character (that
///   character), `\d \D \s \S \w \W`;
/// - bracket expressions `[...]`, `[^...]` of characters and ranges `a-z` (low end first), with
///   `-` literal only first or last, and no `[`, `]` or `\` inside;
/// - groups `( ... )` and alternatives `a|b`, neither empty;
/// - one quantifier `*`, `+` or `?` after an atom (not after an anchor), optionally non-greedy
///   (`*?`). No `{m,n}` bounds, back references, lookarounds or `(?` options.
///
/// At most [`MAX_PATTERN`] bytes and [`MAX_DEPTH`] nested groups.
pub(crate) fn is_regex(p: &str) -> bool {
    if p.is_empty() || p.len() > MAX_PATTERN {
        return false;
    }
    let chars: Vec<char> = p.chars().collect();
    let mut r = Regex { chars, at: 0 };
    r.alternatives(0) && r.at == r.chars.len()
}

struct Regex {
    chars: Vec<char>,
    at: usize,
}

impl Regex {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn alternatives(&mut self, depth: usize) -> bool {
        loop {
            if !self.branch(depth) {
                return false;
            }
            if self.peek() == Some('|') {
                self.at += 1;
            } else {
                return true;
            }
        }
    }

    /// One or more pieces.
    fn branch(&mut self, depth: usize) -> bool {
        let mut pieces = 0;
        while let Some(c) = self.peek() {
            match c {
                '|' | ')' => break,
                '^' | '$' => self.at += 1,
                _ => {
                    if !self.atom(depth) {
                        return false;
                    }
                    if let Some('*' | '+' | '?') = self.peek() {
                        self.at += 1;
                        if self.peek() == Some('?') {
                            self.at += 1;
                        }
                    }
                }
            }
            pieces += 1;
        }
        pieces > 0
    }

    fn atom(&mut self, depth: usize) -> bool {
        let Some(c) = self.peek() else { return false };
        self.at += 1;
        match c {
            '.' => true,
            '(' => {
                depth < MAX_DEPTH
                    && self.peek() != Some('?')
                    && self.alternatives(depth + 1)
                    && self.peek() == Some(')')
                    && {
                        self.at += 1;
                        true
                    }
            }
            '[' => self.bracket(),
            '\\' => match self.peek() {
                Some(e) if e.is_ascii_punctuation() || "dDsSwW".contains(e) => {
                    self.at += 1;
                    true
                }
                _ => false,
            },
            '^' | '$' | ']' | ')' | '|' | '*' | '+' | '?' | '{' | '}' | '\0' => false,
            _ => true,
        }
    }

    /// After `[`: `^`?, then characters and ranges, then `]`.
    fn bracket(&mut self) -> bool {
        if self.peek() == Some('^') {
            self.at += 1;
        }
        let start = self.at;
        loop {
            let Some(c) = self.peek() else { return false };
            match c {
                ']' if self.at > start => {
                    self.at += 1;
                    return true;
                }
                '[' | ']' | '\\' | '\0' => return false,
                '-' => {
                    // Literal only first or last.
                    if self.at != start && self.chars.get(self.at + 1) != Some(&']') {
                        return false;
                    }
                    self.at += 1;
                }
                lo => {
                    self.at += 1;
                    if self.peek() == Some('-') && self.chars.get(self.at + 1) != Some(&']') {
                        let Some(hi) = self.chars.get(self.at + 1).copied() else {
                            return false;
                        };
                        if matches!(hi, '[' | ']' | '\\' | '-' | '\0') || hi < lo {
                            return false;
                        }
                        self.at += 2;
                    }
                }
            }
        }
    }
}

/// A `to_tsquery` text in this subset:
///
/// ```text
/// query   := or
/// or      := and ( "|" and )*
/// and     := not ( ( "&" | "<->" | "<" N ">" ) not )*      N: 0 to 1000
/// not     := "!"* primary
/// primary := "(" or ")" | word [ ":" ( "*" | A | B | C | D )+ ]
/// word    := ( letter | digit | "_" )+                      at most 100 bytes
/// ```
///
/// with spaces allowed around operators and parentheses. At most [`MAX_PATTERN`] bytes and
/// [`MAX_DEPTH`] nested parentheses.
pub(crate) fn is_tsquery(q: &str) -> bool {
    if q.len() > MAX_PATTERN {
        return false;
    }
    let chars: Vec<char> = q.chars().collect();
    let mut t = TsQuery { chars, at: 0 };
    t.or(0) && {
        t.spaces();
        t.at == t.chars.len()
    }
}

struct TsQuery {
    chars: Vec<char>,
    at: usize,
}

impl TsQuery {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn spaces(&mut self) {
        while self.peek() == Some(' ') {
            self.at += 1;
        }
    }

    fn or(&mut self, depth: usize) -> bool {
        loop {
            if !self.and(depth) {
                return false;
            }
            self.spaces();
            if self.peek() == Some('|') {
                self.at += 1;
            } else {
                return true;
            }
        }
    }

    fn and(&mut self, depth: usize) -> bool {
        loop {
            if !self.not(depth) {
                return false;
            }
            self.spaces();
            match self.peek() {
                Some('&') => self.at += 1,
                Some('<') => {
                    self.at += 1;
                    if self.peek() == Some('-') {
                        self.at += 1;
                    } else {
                        let start = self.at;
                        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                            self.at += 1;
                        }
                        let digits: String = self.chars[start..self.at].iter().collect();
                        if digits.is_empty()
                            || digits.len() > 4
                            || digits.parse::<u32>().map_or(true, |n| n > MAX_DISTANCE)
                        {
                            return false;
                        }
                    }
                    if self.peek() != Some('>') {
                        return false;
                    }
                    self.at += 1;
                }
                _ => return true,
            }
        }
    }

    fn not(&mut self, depth: usize) -> bool {
        self.spaces();
        while self.peek() == Some('!') {
            self.at += 1;
        }
        match self.peek() {
            Some('(') => {
                self.at += 1;
                if depth >= MAX_DEPTH || !self.or(depth + 1) {
                    return false;
                }
                self.spaces();
                if self.peek() != Some(')') {
                    return false;
                }
                self.at += 1;
                true
            }
            _ => self.word(),
        }
    }

    fn word(&mut self) -> bool {
        let start = self.at;
        let mut bytes = 0;
        while let Some(c) = self.peek().filter(|c| c.is_alphanumeric() || *c == '_') {
            bytes += c.len_utf8();
            self.at += 1;
        }
        if self.at == start || bytes > MAX_WORD {
            return false;
        }
        if self.peek() == Some(':') {
            self.at += 1;
            let weights = self.at;
            while self.peek().is_some_and(|c| "*ABCDabcd".contains(c)) {
                self.at += 1;
            }
            if self.at == weights {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_like_pattern_may_not_end_in_a_lone_backslash() {
        for good in ["", "abc", "a%b", "a\\%", "a\\\\", "\\\\\\\\"] {
            assert!(is_like_pattern(good), "{good}");
        }
        for bad in ["\\", "a\\", "a\\\\\\"] {
            assert!(!is_like_pattern(bad), "{bad}");
        }
    }

    #[test]
    fn regular_expressions_in_the_subset_are_accepted() {
        for good in [
            "abc",
            "^a.*b$",
            "(foo|bar)+?",
            "[a-z0-9_-]+",
            "[^aeiou]",
            "[-a]",
            "\\d\\w\\s\\.\\(\\)\\[\\]\\{\\}",
            "é+ü?",
            "a|^b|c$",
            "((a)*)*",
            "x*?y+?z??",
        ] {
            assert!(is_regex(good), "{good}");
        }
    }

    #[test]
    fn regular_expressions_outside_the_subset_are_refused() {
        for bad in [
            "",
            "(",
            ")",
            "a)",
            "[",
            "[]",
            "[z-a]",
            "[a-b-c]",
            "[[:alpha:]]",
            "[\\d]",
            "*a",
            "a**",
            "a+*",
            "^*",
            "a{2}",
            "a{",
            "}",
            "]",
            "()",
            "(|a)",
            "a|",
            "|a",
            "(?i)a",
            "\\1",
            "\\b",
            "\\é",
            "a\\",
            "a\0b",
            &"(".repeat(17),
            &"a".repeat(MAX_PATTERN + 1),
        ] {
            assert!(!is_regex(bad), "{bad:?}");
        }
        let deep = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(is_regex(&deep));
        let deeper = format!("({deep})");
        assert!(!is_regex(&deeper));
    }

    #[test]
    fn text_search_queries_in_the_subset_are_accepted() {
        for good in [
            "cat",
            "cat & dog",
            "cat|dog",
            "!cat",
            "!!cat & !(dog | bird)",
            "fat <-> rat",
            "fat <2> rat",
            "super:*",
            "super:AB*",
            " (a & b) | c ",
            "déjà_vu & 2024",
        ] {
            assert!(is_tsquery(good), "{good}");
        }
    }

    #[test]
    fn text_search_queries_outside_the_subset_are_refused() {
        for bad in [
            "",
            "cat dog",
            "cat &",
            "& cat",
            "cat & & dog",
            "(cat",
            "cat)",
            "cat:",
            "cat:x",
            "cat <> dog",
            "cat <1001> dog",
            "cat <-1> dog",
            "'cat'",
            "cat-dog",
            "a.b",
            "! cat",
            "cat\0",
            &"a".repeat(MAX_WORD + 1),
        ] {
            assert!(!is_tsquery(bad), "{bad:?}");
        }
    }
}
