//! The query language, parsed into a tree of boolean operators over leaves (terms, prefixes,
//! phrases). The grammar and precedence are FTS5's, a little more lenient:
//!
//! ```text
//! query   := or
//! or      := and ( "OR" and )*
//! and     := not ( "AND" not )*
//! not     := seq ( "NOT" seq )*          a NOT b: a and not b (no unary NOT, as in FTS5)
//! seq     := primary primary*            implicit AND, binding tighter than every operator
//! primary := "(" or ")" | "\"" phrase "\"" | word | word"*"
//! ```
//!
//! So `a b OR c` is `(a AND b) OR c`, and `a OR b NOT c` is `a OR (b NOT c)`. Operators are the
//! uppercase words `AND`, `OR`, `NOT`; in lowercase they are ordinary words. A word is a run of
//! characters other than whitespace, `(`, `)` and `"`, analyzed like indexed text: one that
//! analyzes to several terms ("prior-authorization", "164.512", "中华") is a phrase, one with no
//! word characters ("-", "§") is dropped. `word*` matches every term starting with the folded,
//! unstemmed word. Inside a quoted phrase `""` is a literal quote. Errors are `InvalidArgument`
//! naming the character position (from 0).

use super::analyze;
use super::model::Stemming;
use crate::error::{Error, Result};

/// Longest query accepted, in bytes.
pub const MAX_QUERY_LEN: usize = 16 * 1024;
/// Most leaves (terms, prefixes, phrases) in one query.
pub const MAX_LEAVES: usize = 256;
/// Deepest parenthesis nesting.
const MAX_DEPTH: usize = 64;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Query {
    /// Leaf number `n` of [`Parsed::leaves`].
    Leaf(usize),
    /// Every child matches.
    And(Vec<Query>),
    /// Some child matches.
    Or(Vec<Query>),
    /// The first matches and the second does not.
    Not(Box<Query>, Box<Query>),
}

/// A term, prefix or phrase: one "phrase" of FTS5's scoring, with its own IDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Leaf {
    Term(String),
    Prefix(String),
    Phrase(Vec<String>),
}

/// A query and its leaves in the order they appear.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parsed {
    pub root: Query,
    pub leaves: Vec<Leaf>,
}

/// Parses `query`, analyzing its words under `stemming`.
pub(crate) fn parse(query: &str, stemming: Stemming) -> Result<Parsed> {
    if query.len() > MAX_QUERY_LEN {
        return Err(Error::invalid(format!(
            "query of {} bytes exceeds the limit of {MAX_QUERY_LEN}",
            query.len()
        )));
    }
    let tokens = lex(query, stemming)?;
    if tokens.is_empty() {
        return Err(if query.trim().is_empty() {
            Error::invalid("query is empty")
        } else {
            Error::invalid("query has no searchable words")
        });
    }
    let mut p = Parser {
        tokens,
        at: 0,
        leaves: Vec::new(),
        depth: 0,
        end: query.chars().count(),
    };
    let root = p.or()?;
    if let Some(t) = p.tokens.get(p.at) {
        return Err(match t.kind {
            Tok::RParen => error(t.pos, "unmatched ')'"),
            _ => error(t.pos, "unexpected token"),
        });
    }
    Ok(Parsed {
        root,
        leaves: p.leaves,
    })
}

fn error(pos: usize, what: &str) -> Error {
    Error::invalid(format!("query: {what} at character {pos}"))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Leaf(Leaf),
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    kind: Tok,
    /// Character position in the query.
    pos: usize,
}

/// Splits the query into operators, parentheses and leaves (words analyzed already).
fn lex(query: &str, stemming: Stemming) -> Result<Vec<Token>> {
    let chars: Vec<char> = query.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let pos = i;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Token {
                    kind: Tok::LParen,
                    pos,
                });
                i += 1;
            }
            ')' => {
                out.push(Token {
                    kind: Tok::RParen,
                    pos,
                });
                i += 1;
            }
            '"' => {
                let (text, next) = quoted(&chars, i)?;
                i = next;
                if let Some(leaf) = leaf_of(&text, stemming) {
                    out.push(Token {
                        kind: Tok::Leaf(leaf),
                        pos,
                    });
                }
            }
            _ => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|&c| !c.is_whitespace() && !matches!(c, '(' | ')' | '"'))
                {
                    i += 1;
                }
                let word: String = chars.get(start..i).unwrap_or_default().iter().collect();
                if let Some(kind) = word_token(&word, pos, stemming)? {
                    out.push(Token { kind, pos });
                }
            }
        }
    }
    Ok(out)
}

/// The text of the phrase whose opening quote is at `open`, and the index after its closing quote.
fn quoted(chars: &[char], open: usize) -> Result<(String, usize)> {
    let mut text = String::new();
    let mut i = open + 1;
    loop {
        match chars.get(i) {
            None => return Err(error(open, "unterminated '\"'")),
            Some('"') if chars.get(i + 1) == Some(&'"') => {
                text.push('"');
                i += 2;
            }
            Some('"') => return Ok((text, i + 1)),
            Some(&c) => {
                text.push(c);
                i += 1;
            }
        }
    }
}

fn word_token(word: &str, pos: usize, stemming: Stemming) -> Result<Option<Tok>> {
    match word {
        "AND" => return Ok(Some(Tok::And)),
        "OR" => return Ok(Some(Tok::Or)),
        "NOT" => return Ok(Some(Tok::Not)),
        _ => {}
    }
    let Some(body) = word.strip_suffix('*') else {
        return Ok(leaf_of(word, stemming).map(Tok::Leaf));
    };
    let star = pos + body.chars().count();
    let words: Vec<(usize, usize)> = analyze::words(body).collect();
    match words.as_slice() {
        [] => Err(error(star, "'*' must follow a word")),
        [(s, e)] if *e == body.len() => {
            let mut prefix = analyze::fold(&body[*s..*e]);
            if prefix.len() > analyze::MAX_TERM_BYTES {
                prefix = analyze::normalize(&body[*s..*e], Stemming::None);
            }
            Ok(Some(Tok::Leaf(Leaf::Prefix(prefix))))
        }
        _ => Err(error(
            star,
            "'*' must follow a single word with no punctuation before it",
        )),
    }
}

/// The leaf a word or phrase text stands for: nothing, a term, or a phrase.
fn leaf_of(text: &str, stemming: Stemming) -> Option<Leaf> {
    let mut terms = analyze::terms(text, stemming);
    match terms.len() {
        0 => None,
        1 => terms.pop().map(Leaf::Term),
        _ => Some(Leaf::Phrase(terms)),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    leaves: Vec<Leaf>,
    depth: usize,
    /// Character count of the query, the position of errors at its end.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|t| &t.kind)
    }

    fn pos(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |t| t.pos)
    }

    /// Parses operands separated by `op`, each with `operand`, into a flat list.
    fn chain(
        &mut self,
        op: &Tok,
        name: &str,
        operand: fn(&mut Parser) -> Result<Query>,
    ) -> Result<Vec<Query>> {
        let mut items = vec![operand(self)?];
        while self.peek() == Some(op) {
            let op_pos = self.pos();
            self.at += 1;
            if !self.starts_primary() {
                return Err(error(op_pos, &format!("{name} needs a term after it")));
            }
            items.push(operand(self)?);
        }
        Ok(items)
    }

    fn or(&mut self) -> Result<Query> {
        let items = self.chain(&Tok::Or, "OR", Parser::and)?;
        Ok(flatten(items, Query::Or))
    }

    fn and(&mut self) -> Result<Query> {
        let items = self.chain(&Tok::And, "AND", Parser::not)?;
        Ok(flatten(items, Query::And))
    }

    fn not(&mut self) -> Result<Query> {
        let items = self.chain(&Tok::Not, "NOT", Parser::seq)?;
        let mut items = items.into_iter();
        let first = items
            .next()
            .ok_or_else(|| error(self.pos(), "empty query"))?;
        Ok(items.fold(first, |acc, q| Query::Not(Box::new(acc), Box::new(q))))
    }

    fn seq(&mut self) -> Result<Query> {
        let mut items = vec![self.primary()?];
        while self.starts_primary() {
            items.push(self.primary()?);
        }
        Ok(flatten(items, Query::And))
    }

    fn starts_primary(&self) -> bool {
        matches!(self.peek(), Some(Tok::LParen | Tok::Leaf(_)))
    }

    fn primary(&mut self) -> Result<Query> {
        let pos = self.pos();
        let Some(tok) = self.tokens.get(self.at).map(|t| t.kind.clone()) else {
            return Err(error(pos, "expected a term"));
        };
        self.at += 1;
        match tok {
            Tok::Leaf(leaf) => {
                if self.leaves.len() >= MAX_LEAVES {
                    return Err(error(
                        pos,
                        &format!("more than {MAX_LEAVES} terms and phrases"),
                    ));
                }
                self.leaves.push(leaf);
                Ok(Query::Leaf(self.leaves.len() - 1))
            }
            Tok::LParen => {
                if self.depth >= MAX_DEPTH {
                    return Err(error(pos, "parentheses nested too deep"));
                }
                if self.peek() == Some(&Tok::RParen) {
                    return Err(error(pos, "empty parentheses"));
                }
                self.depth += 1;
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(error(pos, "unclosed '('"));
                }
                self.at += 1;
                Ok(inner)
            }
            Tok::RParen => Err(error(pos, "unmatched ')'")),
            Tok::And => Err(error(pos, "AND needs a term before it")),
            Tok::Or => Err(error(pos, "OR needs a term before it")),
            Tok::Not => Err(error(pos, "NOT needs a term before it (write 'a NOT b')")),
        }
    }
}

/// The leaves that can count towards a score: all but those on the right side of a `NOT`. The
/// highest score a document can reach is the sum of `IDF * (k1 + 1)` over them.
pub(crate) fn scoring_leaves(root: &Query) -> Vec<usize> {
    fn walk(q: &Query, out: &mut Vec<usize>) {
        match q {
            Query::Leaf(i) => out.push(*i),
            Query::And(c) | Query::Or(c) => c.iter().for_each(|x| walk(x, out)),
            Query::Not(a, _) => walk(a, out),
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    out
}

/// One item as itself, several under `make`, merging children of the same kind.
fn flatten(items: Vec<Query>, make: fn(Vec<Query>) -> Query) -> Query {
    if items.len() == 1 {
        return items.into_iter().next().unwrap_or(Query::And(Vec::new()));
    }
    let mut out = Vec::with_capacity(items.len());
    let probe = make(Vec::new());
    for item in items {
        match (item, &probe) {
            (Query::And(children), Query::And(_)) | (Query::Or(children), Query::Or(_)) => {
                out.extend(children)
            }
            (other, _) => out.push(other),
        }
    }
    make(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn show(q: &str) -> String {
        let p = parse(q, Stemming::None).unwrap();
        fn go(q: &Query, leaves: &[Leaf]) -> String {
            match q {
                Query::Leaf(i) => match &leaves[*i] {
                    Leaf::Term(t) => t.clone(),
                    Leaf::Prefix(t) => format!("{t}*"),
                    Leaf::Phrase(ts) => format!("\"{}\"", ts.join(" ")),
                },
                Query::And(c) => format!(
                    "AND({})",
                    c.iter()
                        .map(|x| go(x, leaves))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                Query::Or(c) => format!(
                    "OR({})",
                    c.iter()
                        .map(|x| go(x, leaves))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                Query::Not(a, b) => format!("NOT({},{})", go(a, leaves), go(b, leaves)),
            }
        }
        go(&p.root, &p.leaves)
    }

    fn err(q: &str) -> String {
        let e = parse(q, Stemming::None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        e.message().to_string()
    }

    #[test]
    fn precedence_follows_fts5() {
        assert_eq!(show("a b OR c"), "OR(AND(a,b),c)");
        assert_eq!(show("a OR b c"), "OR(a,AND(b,c))");
        assert_eq!(show("a OR b NOT c"), "OR(a,NOT(b,c))");
        assert_eq!(show("a AND b OR c AND d"), "OR(AND(a,b),AND(c,d))");
        assert_eq!(show("a NOT b c"), "NOT(a,AND(b,c))");
        assert_eq!(show("a NOT b NOT c"), "NOT(NOT(a,b),c)");
        assert_eq!(show("a AND b NOT c"), "AND(a,NOT(b,c))");
        assert_eq!(show("(a OR b) c"), "AND(OR(a,b),c)");
        assert_eq!(show("a AND (b AND c)"), "AND(a,b,c)");
        assert_eq!(show("a and or not"), "AND(a,and,or,not)");
    }

    #[test]
    fn words_phrases_and_prefixes() {
        assert_eq!(show("\"Prior Authorization\""), "\"prior authorization\"");
        assert_eq!(show("prior-authorization"), "\"prior authorization\"");
        assert_eq!(show("Auth*"), "auth*");
        assert_eq!(show("\"one\""), "one");
        assert_eq!(show("a - b"), "AND(a,b)");
        assert_eq!(show("\"say \"\"hi\"\"\""), "\"say hi\"");
        assert_eq!(show("中华"), "\"中 华\"");
    }

    #[test]
    fn malformed_queries_name_the_position() {
        assert_eq!(err(""), "query is empty");
        assert_eq!(err("  -- "), "query has no searchable words");
        assert_eq!(
            err("a AND"),
            "query: AND needs a term after it at character 2"
        );
        assert_eq!(
            err("OR a"),
            "query: OR needs a term before it at character 0"
        );
        assert_eq!(
            err("NOT a"),
            "query: NOT needs a term before it (write 'a NOT b') at character 0"
        );
        assert_eq!(
            err("a OR OR b"),
            "query: OR needs a term after it at character 2"
        );
        assert_eq!(err("(a b"), "query: unclosed '(' at character 0");
        assert_eq!(err("a b)"), "query: unmatched ')' at character 3");
        assert_eq!(err("a ()"), "query: empty parentheses at character 2");
        assert_eq!(err("x \"ab"), "query: unterminated '\"' at character 2");
        assert_eq!(err("ab *"), "query: '*' must follow a word at character 3");
        assert_eq!(
            err("a-b*"),
            "query: '*' must follow a single word with no punctuation before it at character 3"
        );
        let deep = "(".repeat(100) + "a" + &")".repeat(100);
        assert!(err(&deep).contains("nested too deep"));
        let many = vec!["w"; MAX_LEAVES + 1].join(" ");
        assert!(err(&many).contains("more than 256"));
    }

    #[test]
    fn phrase_words_are_stemmed_but_prefixes_are_not() {
        let p = parse("\"prior authorizations\" authorizing*", Stemming::Porter).unwrap();
        assert_eq!(
            p.leaves,
            vec![
                Leaf::Phrase(vec!["prior".into(), "author".into()]),
                Leaf::Prefix("authorizing".into())
            ]
        );
    }
}
