//! The path language rules use to point into a document: JSONPath-like, so that rule authors
//! who know `kubectl -o jsonpath`, Spectral or JSONPath-plus can read and write it at sight.
//!
//! ```text
//! $.spec.template.spec.containers[*].image      child names, wildcards
//! $['app.kubernetes.io/name']                   quoted names (any characters)
//! $.items[0]  $.items[-1]  $.items[0,2]         indices, negative from the end, unions
//! $..image  $..*  $..[0]                        recursive descent
//! $.metadata.annotations.*~                     `~`: the keys instead of the values
//! $.resource.aws_db_instance.*[?(@.multi_az == false)]
//! spec.replicas                                 no `$` or `@`: relative to the focus (`@`)
//! ```
//!
//! Unquoted names are letters, digits, `_`, `-`, `$` and `@` (so `$ref` and `@type` need no
//! quotes); anything else is quoted, with `\'`, `\"` and `\\` as escapes. Filters are
//! `[?(expr)]` or `[?expr]`: `||`, `&&`, `!`, parentheses, `== != < <= > >=`, `=~ /re/i` (or a
//! quoted regex), and a path alone meaning "exists". Operands are paths from `@` or `$` (nested
//! filters included), quoted strings, numbers, `true`, `false` and `null`.
//!
//! A path is compiled once ([`Path::parse`]) and run many times; regexes are compiled then, with
//! size limits, so a rule file cannot make matching slow.
//!
//! # Where it deliberately differs from RFC 9535
//!
//! * **A filter on a non-sequence tests the node itself.** Config documents are mappings all the
//!   way down, and what a rule means by `$[?(@.kind == 'Deployment')]` or
//!   `$.resource.aws_db_instance.*[?(@.multi_az == false)]` is "this node, if". RFC filters only
//!   look at children, which would force rules to select the parent and remember to step back.
//!   On a sequence a filter still keeps the matching items, as everywhere else.
//! * **A comparison with a missing side is false, `!=` included.** A rule that flags
//!   `@.tier != 'premium'` must not fire on every document that has no `tier` at all; "missing"
//!   is spelled `!@.tier`. A path selecting several nodes compares true if any node does.
//! * **Unknown values never compare.** An HCL expression (`var.multi_az`, `"${local.x}"`) is
//!   unknown until Terraform runs: both `== false` and `!= false` are false, so a rule neither
//!   claims a setting nor its absence on a guess.
//! * **Types are as written.** `'1' == 1` is false: YAML `"1"` and `1` differ to the tools that
//!   read them, and a lock-in rule must not paper over that. Integers and floats compare by
//!   value. Sequences and mappings compare by identity (the same node, e.g. an alias and its
//!   anchor): rules compare scalars, and deep equality of two subtrees would be unbounded work.
//! * `=~` searches (unanchored, like Perl's and Ruby's) and only matches strings.
//! * `~` selects keys (JSONPath-plus): `$.env.*~` are the variable names of an `env:` mapping.
//!
//! # Documents as a reader sees them
//!
//! Mappings are read with YAML `<<` merge keys applied, and aliases are followed, so a path sees
//! what a tool loading the file would see. Every selected node is the resolved node, never the
//! alias, except keys selected with `~`, which are returned as written. Results come in
//! document order (by position in the file) without duplicates, so a node reached twice (an anchor referenced from many
//! places) yields one finding.
//!
//! # Hostile input
//!
//! Documents can be 100,000 levels deep and aliases can point at their own ancestors, so
//! recursive descent walks with an explicit stack and a visited set, and a whole selection
//! (nested filters included) stops after [`WORK_BUDGET`] steps, returning what it found so far.
//! Filter nesting in the path itself is capped at [`MAX_NESTING`] levels, which bounds the
//! parser's and evaluator's recursion.

use std::cell::Cell;
use std::cmp::Ordering;
use std::fmt;

use regex::{Regex, RegexBuilder};

use crate::model::{Doc, NodeId, Value};

/// Steps (nodes visited by descent, filter tests, compared pairs) one selection may take.
pub const WORK_BUDGET: usize = 1_000_000;

/// How deeply filters, parentheses and `!` may nest inside one path.
pub const MAX_NESTING: usize = 32;

const REGEX_SIZE_LIMIT: usize = 1 << 20;
const REGEX_NEST_LIMIT: u32 = 100;

/// A compiled path.
#[derive(Clone)]
pub struct Path {
    src: String,
    query: Query,
}

/// A path that failed to compile: where (a byte offset into the path) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for PathError {}

impl Path {
    /// Compiles a path. Regexes inside filters are compiled here, once, with size limits; a bad
    /// path or regex is a [`PathError`] with the offset of the problem.
    pub fn parse(src: &str) -> Result<Path, PathError> {
        let mut parser = Parser {
            src,
            pos: 0,
            depth: 0,
        };
        let query = parser.path()?;
        Ok(Path {
            src: src.to_string(),
            query,
        })
    }

    /// The nodes selected, in document order, without duplicates. `root` is the document root
    /// (`$`), `focus` the current node (`@`).
    pub fn select(&self, doc: &Doc, root: NodeId, focus: NodeId) -> Vec<NodeId> {
        self.select_prefix(self.len(), doc, root, focus)
    }

    /// Number of selector segments after the start token (`$` or `@`); `$..name` is one.
    pub fn len(&self) -> usize {
        self.query.segments.len()
    }

    pub fn is_empty(&self) -> bool {
        self.query.segments.is_empty()
    }

    /// Selects using only the first `n` segments (all of them if `n` is larger). Finds the
    /// deepest existing ancestor when a key is missing.
    pub fn select_prefix(&self, n: usize, doc: &Doc, root: NodeId, focus: NodeId) -> Vec<NodeId> {
        let eval = Eval {
            doc,
            root,
            budget: Cell::new(WORK_BUDGET),
        };
        let mut out = eval.run(&self.query, n, focus);
        out.sort_by_key(|&id| (doc.span(id).start, id));
        out
    }

    /// The original source text.
    pub fn as_str(&self) -> &str {
        &self.src
    }
}

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Path").field(&self.src).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Compiled form

#[derive(Clone, Debug)]
struct Query {
    start: Start,
    segments: Vec<Segment>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Start {
    Root,
    Focus,
}

#[derive(Clone, Debug)]
struct Segment {
    /// `..`: apply the selector to the node and all its descendants.
    descend: bool,
    selector: Selector,
    /// `~`: yield the keys of the matched entries instead of their values.
    keys: bool,
}

#[derive(Clone, Debug)]
enum Selector {
    /// `.name`, `['name']`, `[0]`, `[0, 'a']`.
    Members(Vec<Member>),
    /// `.*`, `[*]`
    Wildcard,
    /// `[?(expr)]`
    Filter(Box<Expr>),
}

impl Selector {
    /// Only selectors that pick mapping entries have keys to give.
    fn has_keys(&self) -> bool {
        match self {
            Selector::Members(members) => members.iter().all(|m| matches!(m, Member::Name(_))),
            Selector::Wildcard => true,
            Selector::Filter(_) => false,
        }
    }
}

#[derive(Clone, Debug)]
enum Member {
    Name(String),
    Index(i64),
}

#[derive(Clone, Debug)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// A path alone: it selects at least one node.
    Exists(Query),
    Compare(Operand, Op, Operand),
    Matches(Operand, Regex),
}

#[derive(Clone, Debug)]
enum Operand {
    Query(Query),
    Literal(Literal),
}

#[derive(Clone, Debug, PartialEq)]
enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

// ---------------------------------------------------------------------------------------------
// Parser

/// Characters of an unquoted name. `$` and `@` are allowed after a dot so that `$ref`,
/// `$schema` and `@type` (OpenAPI, JSON Schema, JSON-LD) need no quotes.
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '$' | '@')
}

struct Parser<'s> {
    src: &'s str,
    pos: usize,
    depth: usize,
}

fn error<T>(offset: usize, message: impl Into<String>) -> Result<T, PathError> {
    Err(PathError {
        offset,
        message: message.into(),
    })
}

impl<'s> Parser<'s> {
    fn rest(&self) -> &'s str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    fn eat(&mut self, token: &str) -> bool {
        let found = self.rest().starts_with(token);
        if found {
            self.pos += token.len();
        }
        found
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn enter(&mut self) -> Result<(), PathError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return error(
                self.pos,
                format!("the path nests more than {MAX_NESTING} levels deep"),
            );
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// A whole path: start token, segments, nothing after.
    fn path(&mut self) -> Result<Query, PathError> {
        if self.src.is_empty() {
            return error(0, "empty path");
        }
        let mut segments = Vec::new();
        let start = match self.peek() {
            Some('$') => {
                self.bump();
                Start::Root
            }
            Some('@') => {
                self.bump();
                Start::Focus
            }
            Some(c) if c == '*' || is_name_char(c) => {
                // `spec.replicas` is `@.spec.replicas`
                let segment = self.dot_selector(false)?;
                segments.push(segment);
                Start::Focus
            }
            _ => Start::Focus,
        };
        self.segments(&mut segments)?;
        match self.peek() {
            None => Ok(Query { start, segments }),
            Some(c) => error(self.pos, format!("unexpected {c:?}")),
        }
    }

    /// Segments for as long as they continue; the caller judges what follows.
    fn segments(&mut self, out: &mut Vec<Segment>) -> Result<(), PathError> {
        loop {
            let segment = if self.eat("..") {
                match self.peek() {
                    Some('[') => self.bracket(true)?,
                    Some(c) if c == '*' || is_name_char(c) => self.dot_selector(true)?,
                    _ => return error(self.pos, "expected a name, '*' or '[' after '..'"),
                }
            } else if self.eat(".") {
                match self.peek() {
                    Some(c) if c == '*' || is_name_char(c) => self.dot_selector(false)?,
                    _ => return error(self.pos, "expected a name or '*' after '.'"),
                }
            } else if self.peek() == Some('[') {
                self.bracket(false)?
            } else {
                return Ok(());
            };
            out.push(self.keys_suffix(segment)?);
        }
    }

    fn keys_suffix(&mut self, mut segment: Segment) -> Result<Segment, PathError> {
        if self.peek() == Some('~') {
            if !segment.selector.has_keys() {
                return error(
                    self.pos,
                    "'~' (select keys) may follow only a name or a wildcard",
                );
            }
            self.bump();
            segment.keys = true;
        }
        Ok(segment)
    }

    /// `*` or a name, after `.` or `..` (or at the start of a relative path).
    fn dot_selector(&mut self, descend: bool) -> Result<Segment, PathError> {
        let selector = if self.eat("*") {
            Selector::Wildcard
        } else {
            let start = self.pos;
            while self.peek().is_some_and(is_name_char) {
                self.bump();
            }
            if start == self.pos {
                return error(start, "expected a name");
            }
            Selector::Members(vec![Member::Name(self.src[start..self.pos].to_string())])
        };
        Ok(Segment {
            descend,
            selector,
            keys: false,
        })
    }

    /// `[*]`, `[?expr]`, or a comma-separated list of quoted names and indices.
    fn bracket(&mut self, descend: bool) -> Result<Segment, PathError> {
        let open = self.pos;
        self.bump(); // '['
        self.skip_ws();
        let selector = match self.peek() {
            None => return error(open, "'[' is never closed"),
            Some('*') => {
                self.bump();
                Selector::Wildcard
            }
            Some('?') => {
                self.bump();
                self.enter()?;
                let expr = self.or()?;
                self.leave();
                Selector::Filter(Box::new(expr))
            }
            Some(_) => {
                let mut members = Vec::new();
                loop {
                    self.skip_ws();
                    let member = match self.peek() {
                        Some('\'' | '"') => Member::Name(self.string()?),
                        Some(c) if c == '-' || c.is_ascii_digit() => Member::Index(self.index()?),
                        None => return error(open, "'[' is never closed"),
                        Some(_) => {
                            return error(
                                self.pos,
                                "expected a quoted name, an index, '*' or '?' inside '[]'",
                            )
                        }
                    };
                    members.push(member);
                    self.skip_ws();
                    if !self.eat(",") {
                        break;
                    }
                }
                Selector::Members(members)
            }
        };
        self.skip_ws();
        match self.peek() {
            Some(']') => self.bump(),
            None => return error(open, "'[' is never closed"),
            Some(c) => return error(self.pos, format!("expected ']', found {c:?}")),
        }
        Ok(Segment {
            descend,
            selector,
            keys: false,
        })
    }

    /// A quoted string; `\'`, `\"` and `\\` are escapes, any other backslash stays as written
    /// (so a regex in quotes can say `'\d+'`).
    fn string(&mut self) -> Result<String, PathError> {
        let open = self.pos;
        let Some(quote) = self.peek() else {
            return error(open, "expected a quoted string");
        };
        self.bump();
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return error(open, "unterminated string");
            };
            self.bump();
            if c == quote {
                return Ok(out);
            }
            if c == '\\' {
                match self.peek() {
                    Some(e @ ('\'' | '"' | '\\')) => out.push(e),
                    Some(e) => {
                        out.push('\\');
                        out.push(e);
                    }
                    None => return error(open, "unterminated string"),
                }
                self.bump();
            } else {
                out.push(c);
            }
        }
    }

    fn digits(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        self.pos > start
    }

    fn index(&mut self) -> Result<i64, PathError> {
        let start = self.pos;
        self.eat("-");
        if !self.digits() {
            return error(self.pos, "expected digits");
        }
        self.src[start..self.pos]
            .parse()
            .or_else(|_| error(start, "index out of range"))
    }

    // Filter expressions, loosest binding first.

    fn or(&mut self) -> Result<Expr, PathError> {
        let mut left = self.and()?;
        loop {
            self.skip_ws();
            if !self.eat("||") {
                return Ok(left);
            }
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
    }

    fn and(&mut self) -> Result<Expr, PathError> {
        let mut left = self.unary()?;
        loop {
            self.skip_ws();
            if !self.eat("&&") {
                return Ok(left);
            }
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr, PathError> {
        self.skip_ws();
        if self.peek() == Some('!') {
            self.bump();
            self.enter()?;
            let inner = self.unary()?;
            self.leave();
            return Ok(Expr::Not(Box::new(inner)));
        }
        if self.peek() == Some('(') {
            let open = self.pos;
            self.bump();
            self.enter()?;
            let inner = self.or()?;
            self.leave();
            self.skip_ws();
            return match self.peek() {
                Some(')') => {
                    self.bump();
                    Ok(inner)
                }
                None => error(open, "'(' is never closed"),
                Some(c) => error(self.pos, format!("expected ')', found {c:?}")),
            };
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, PathError> {
        let at = self.pos;
        let left = self.operand()?;
        self.skip_ws();
        if self.eat("=~") {
            self.skip_ws();
            let regex = self.regex()?;
            return Ok(Expr::Matches(left, regex));
        }
        const OPS: [(&str, Op); 6] = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("<", Op::Lt),
            (">", Op::Gt),
        ];
        if let Some(&(token, op)) = OPS.iter().find(|(t, _)| self.rest().starts_with(t)) {
            self.pos += token.len();
            self.skip_ws();
            let right = self.operand()?;
            return Ok(Expr::Compare(left, op, right));
        }
        if self.peek() == Some('=') {
            return error(self.pos, "use '==' to compare");
        }
        match left {
            Operand::Query(query) => Ok(Expr::Exists(query)),
            Operand::Literal(_) => error(at, "a literal alone is not a test; compare it"),
        }
    }

    fn operand(&mut self) -> Result<Operand, PathError> {
        let at = self.pos;
        match self.peek() {
            Some(c @ ('$' | '@')) => {
                self.bump();
                let start = if c == '$' { Start::Root } else { Start::Focus };
                let mut segments = Vec::new();
                self.segments(&mut segments)?;
                Ok(Operand::Query(Query { start, segments }))
            }
            Some('\'' | '"') => Ok(Operand::Literal(Literal::Str(self.string()?))),
            Some(c) if c == '-' || c.is_ascii_digit() => Ok(Operand::Literal(self.number()?)),
            Some(c) if is_name_char(c) => {
                while self.peek().is_some_and(is_name_char) {
                    self.bump();
                }
                match &self.src[at..self.pos] {
                    "true" => Ok(Operand::Literal(Literal::Bool(true))),
                    "false" => Ok(Operand::Literal(Literal::Bool(false))),
                    "null" => Ok(Operand::Literal(Literal::Null)),
                    word => error(
                        at,
                        format!(
                            "unknown word {word:?}: paths in filters start with '@' or '$', \
                             strings are quoted"
                        ),
                    ),
                }
            }
            _ => error(
                at,
                "expected a path ('@' or '$'), a string, a number, true, false or null",
            ),
        }
    }

    /// `-12`, `3.5`, `1e3`: an integer when it has no fraction or exponent and fits.
    fn number(&mut self) -> Result<Literal, PathError> {
        let start = self.pos;
        self.eat("-");
        if !self.digits() {
            return error(self.pos, "expected digits");
        }
        let mut float = false;
        if self.eat(".") {
            float = true;
            if !self.digits() {
                return error(self.pos, "expected digits after '.'");
            }
        }
        if self.eat("e") || self.eat("E") {
            float = true;
            if !self.eat("+") {
                self.eat("-");
            }
            if !self.digits() {
                return error(self.pos, "expected digits in the exponent");
            }
        }
        let text = &self.src[start..self.pos];
        if !float {
            if let Ok(i) = text.parse() {
                return Ok(Literal::Int(i));
            }
        }
        text.parse()
            .map(Literal::Float)
            .or_else(|_| error(start, "invalid number"))
    }

    /// `/pattern/flags` (flags: `i`, `m`, `s`; `\/` is a slash) or a quoted string.
    fn regex(&mut self) -> Result<Regex, PathError> {
        let at = self.pos;
        let mut builder = match self.peek() {
            Some('/') => {
                self.bump();
                let mut pattern = String::new();
                loop {
                    let Some(c) = self.peek() else {
                        return error(at, "unterminated regex: expected a closing '/'");
                    };
                    self.bump();
                    match c {
                        '/' => break,
                        '\\' => {
                            match self.peek() {
                                Some('/') => pattern.push('/'),
                                Some(e) => {
                                    pattern.push('\\');
                                    pattern.push(e);
                                }
                                None => {
                                    return error(at, "unterminated regex: expected a closing '/'")
                                }
                            }
                            self.bump();
                        }
                        c => pattern.push(c),
                    }
                }
                let mut builder = RegexBuilder::new(&pattern);
                while let Some(flag) = self.peek().filter(char::is_ascii_alphabetic) {
                    match flag {
                        'i' => builder.case_insensitive(true),
                        'm' => builder.multi_line(true),
                        's' => builder.dot_matches_new_line(true),
                        _ => {
                            return error(
                                self.pos,
                                format!("unknown regex flag {flag:?}; expected i, m or s"),
                            )
                        }
                    };
                    self.bump();
                }
                builder
            }
            Some('\'' | '"') => RegexBuilder::new(&self.string()?),
            _ => return error(at, "expected a regex (/.../) or a quoted string after '=~'"),
        };
        builder
            .size_limit(REGEX_SIZE_LIMIT)
            .nest_limit(REGEX_NEST_LIMIT)
            .build()
            .or_else(|e| error(at, format!("invalid regex: {}", regex_reason(&e))))
    }
}

/// The one-line reason of a regex error (syntax errors come with a multi-line picture).
fn regex_reason(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(text) => {
            let last = text.lines().last().unwrap_or_default().trim();
            last.strip_prefix("error: ").unwrap_or(last).to_string()
        }
        regex::Error::CompiledTooBig(_) => "it compiles to more than 1 MiB".to_string(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

struct Eval<'d> {
    doc: &'d Doc,
    root: NodeId,
    budget: Cell<usize>,
}

/// A node's or literal's value, as far as comparisons care.
#[derive(Debug)]
enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
    /// A sequence or mapping, compared by identity.
    Container(NodeId),
    /// An expression (or anything else without a value): never compares.
    Unknown,
}

impl<'d> Eval<'d> {
    /// Takes one step of work from the budget; false once it is spent.
    fn spend(&self) -> bool {
        let left = self.budget.get();
        if left == 0 {
            return false;
        }
        self.budget.set(left - 1);
        true
    }

    /// Runs the first `n` segments of `query`. The result is sorted by id, without duplicates.
    fn run(&self, query: &Query, n: usize, focus: NodeId) -> Vec<NodeId> {
        let start = match query.start {
            Start::Root => self.root,
            Start::Focus => focus,
        };
        let mut current = vec![self.doc.resolve(start)];
        for segment in query.segments.iter().take(n) {
            if current.is_empty() {
                break;
            }
            current = self.step(segment, &current);
        }
        current
    }

    fn step(&self, segment: &Segment, input: &[NodeId]) -> Vec<NodeId> {
        let descended;
        let bases = if segment.descend {
            descended = self.descend(input);
            &descended
        } else {
            input
        };
        let mut out = Vec::new();
        for &node in bases {
            self.apply(segment, node, &mut out);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The nodes and all their descendants, each once ([`Doc::walk`]); each node visited takes
    /// a step of the budget.
    fn descend(&self, input: &[NodeId]) -> Vec<NodeId> {
        let out = self.doc.walk(input, self.budget.get());
        self.budget.set(self.budget.get() - out.len());
        out
    }

    /// Applies one selector to one node, pushing what it selects.
    fn apply(&self, segment: &Segment, node: NodeId, out: &mut Vec<NodeId>) {
        let doc = self.doc;
        let target = doc.resolve(node);
        let pick = |(key, value): (NodeId, NodeId)| {
            if segment.keys {
                key
            } else {
                doc.resolve(value)
            }
        };
        match (&segment.selector, doc.value(target)) {
            (Selector::Members(members), Value::Map(_)) => {
                let entries = doc.entries(target);
                for member in members {
                    if let Member::Name(name) = member {
                        out.extend(
                            entries
                                .iter()
                                .filter(|&&(k, _)| {
                                    doc.scalar_text(k).is_some_and(|t| t == name.as_str())
                                })
                                .map(|&entry| pick(entry)),
                        );
                    }
                }
            }
            (Selector::Members(members), Value::Seq(items)) => {
                for member in members {
                    if let Member::Index(i) = member {
                        if let Some(&item) = nth(items, *i) {
                            out.push(doc.resolve(item));
                        }
                    }
                }
            }
            (Selector::Wildcard, Value::Map(_)) => {
                out.extend(doc.entries(target).iter().copied().map(pick));
            }
            // Sequence items have no key nodes to give.
            (Selector::Wildcard, Value::Seq(items)) if !segment.keys => {
                out.extend(items.iter().map(|&item| doc.resolve(item)));
            }
            (Selector::Filter(expr), Value::Seq(items)) => {
                for &item in items {
                    let item = doc.resolve(item);
                    if self.spend() && self.test(expr, item) {
                        out.push(item);
                    }
                }
            }
            // On anything but a sequence a filter tests the node itself (see the module doc).
            (Selector::Filter(expr), _) if self.spend() && self.test(expr, node) => {
                out.push(node);
            }
            _ => {}
        }
    }

    fn test(&self, expr: &Expr, focus: NodeId) -> bool {
        match expr {
            Expr::Or(a, b) => self.test(a, focus) || self.test(b, focus),
            Expr::And(a, b) => self.test(a, focus) && self.test(b, focus),
            Expr::Not(a) => !self.test(a, focus),
            Expr::Exists(query) => !self.run(query, query.segments.len(), focus).is_empty(),
            Expr::Compare(left, op, right) => {
                let left = self.values(left, focus);
                if left.is_empty() {
                    return false;
                }
                let right = self.values(right, focus);
                for a in &left {
                    for b in &right {
                        if !self.spend() {
                            return false;
                        }
                        if compare(a, *op, b) {
                            return true;
                        }
                    }
                }
                false
            }
            Expr::Matches(operand, regex) => self
                .values(operand, focus)
                .iter()
                .any(|v| matches!(v, Val::Str(s) if regex.is_match(s))),
        }
    }

    fn values<'a>(&self, operand: &'a Operand, focus: NodeId) -> Vec<Val<'a>>
    where
        'd: 'a,
    {
        match operand {
            Operand::Literal(literal) => vec![match literal {
                Literal::Null => Val::Null,
                Literal::Bool(b) => Val::Bool(*b),
                Literal::Int(i) => Val::Int(*i),
                Literal::Float(f) => Val::Float(*f),
                Literal::Str(s) => Val::Str(s),
            }],
            Operand::Query(query) => {
                let doc: &'a Doc = self.doc;
                self.run(query, query.segments.len(), focus)
                    .into_iter()
                    .map(|id| {
                        let id = doc.resolve(id);
                        match doc.value(id) {
                            Value::Null => Val::Null,
                            Value::Bool(b) => Val::Bool(*b),
                            Value::Int(i) => Val::Int(*i),
                            Value::Float(f) => Val::Float(*f),
                            Value::Str(s) => Val::Str(s),
                            Value::Seq(_) | Value::Map(_) => Val::Container(id),
                            Value::Alias(_) | Value::Expr(_) => Val::Unknown,
                        }
                    })
                    .collect()
            }
        }
    }
}

/// Item `i` of a sequence, counting from the end when negative.
fn nth(items: &[NodeId], i: i64) -> Option<&NodeId> {
    let index = if i >= 0 {
        usize::try_from(i).ok()?
    } else {
        items
            .len()
            .checked_sub(usize::try_from(i.unsigned_abs()).ok()?)?
    };
    items.get(index)
}

fn compare(a: &Val, op: Op, b: &Val) -> bool {
    let order = match (a, b) {
        (Val::Unknown, _) | (_, Val::Unknown) => return false,
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::Float(x), Val::Float(y)) => x.partial_cmp(y),
        (Val::Int(x), Val::Float(y)) => cmp_int_float(*x, *y),
        (Val::Float(x), Val::Int(y)) => cmp_int_float(*y, *x).map(Ordering::reverse),
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        // Only equality means something for these.
        (Val::Null, Val::Null) => return equality(op, true),
        (Val::Bool(x), Val::Bool(y)) => return equality(op, x == y),
        (Val::Container(x), Val::Container(y)) => return equality(op, x == y),
        _ => return equality(op, false),
    };
    match order {
        Some(o) => match op {
            Op::Eq => o.is_eq(),
            Op::Ne => o.is_ne(),
            Op::Lt => o.is_lt(),
            Op::Le => o.is_le(),
            Op::Gt => o.is_gt(),
            Op::Ge => o.is_ge(),
        },
        // NaN: unequal to everything, ordered against nothing.
        None => op == Op::Ne,
    }
}

/// Outcome of `op` between two values that are only equal or not (`<=` means `<` or `==`).
fn equality(op: Op, equal: bool) -> bool {
    match op {
        Op::Eq | Op::Le | Op::Ge => equal,
        Op::Ne => !equal,
        Op::Lt | Op::Gt => false,
    }
}

/// Exact comparison of an integer with a float (converting either way can lose precision).
fn cmp_int_float(i: i64, f: f64) -> Option<Ordering> {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() {
        return None;
    }
    if f >= TWO_POW_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_POW_63 {
        return Some(Ordering::Greater);
    }
    // Now the integer part of `f` fits an i64 exactly.
    let whole = f.trunc();
    match i.cmp(&(whole as i64)) {
        Ordering::Equal => 0.0f64.partial_cmp(&(f - whole)),
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Style;
    use crate::source::Span;

    fn yaml(text: &str) -> Doc {
        let mut parsed = crate::parse::yaml::parse(text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        parsed.docs.remove(0)
    }

    fn hcl(text: &str) -> Doc {
        let mut parsed = crate::parse::hcl::parse(text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        parsed.docs.remove(0)
    }

    /// The source text of each selected node, with `$` and `@` both the root.
    fn sel<'t>(text: &'t str, doc: &Doc, path: &str) -> Vec<&'t str> {
        let root = doc.root().unwrap();
        spans(
            text,
            doc,
            &Path::parse(path).unwrap().select(doc, root, root),
        )
    }

    fn spans<'t>(text: &'t str, doc: &Doc, ids: &[NodeId]) -> Vec<&'t str> {
        ids.iter().map(|&id| &text[doc.span(id).range()]).collect()
    }

    /// Runs `path` over a YAML text.
    fn y<'t>(text: &'t str, path: &str) -> Vec<&'t str> {
        sel(text, &yaml(text), path)
    }

    fn err(path: &str) -> PathError {
        match Path::parse(path) {
            Ok(p) => panic!("{path:?} parsed: {p:?}"),
            Err(e) => e,
        }
    }

    const K8S: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app.kubernetes.io/name: web, tier: front}
  annotations:
    a.b/c: x
    d: y
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: app
          image: gcr.io/proj/app:1
          ports: [{containerPort: 80}, {containerPort: 443}]
        - name: side
          image: docker.io/side
          ports: [{containerPort: 9090}]
        - name: last
          image: public.ecr.aws/x
";

    #[test]
    fn names_and_start_tokens() {
        assert_eq!(y(K8S, "$.kind"), ["Deployment"]);
        assert_eq!(y(K8S, "$.spec.replicas"), ["3"]);
        assert_eq!(y(K8S, "spec.replicas"), ["3"]);
        assert_eq!(y(K8S, "@.spec.replicas"), ["3"]);
        assert_eq!(y(K8S, "$['spec'][\"replicas\"]"), ["3"]);
        assert_eq!(y(K8S, "$.missing"), Vec::<&str>::new());
        assert_eq!(y(K8S, "$.kind.deeper"), Vec::<&str>::new());
        assert_eq!(y(K8S, "$").len(), 1);
        // `@` is the focus, not the root
        let doc = yaml(K8S);
        let root = doc.root().unwrap();
        let meta = doc.get(root, "metadata").unwrap();
        let p = Path::parse("name").unwrap();
        assert_eq!(spans(K8S, &doc, &p.select(&doc, root, meta)), ["web"]);
        let p = Path::parse("$.kind").unwrap();
        assert_eq!(
            spans(K8S, &doc, &p.select(&doc, root, meta)),
            ["Deployment"]
        );
    }

    #[test]
    fn quoted_names_with_dots_and_escapes() {
        assert_eq!(
            y(K8S, "$.metadata.labels['app.kubernetes.io/name']"),
            ["web"]
        );
        assert_eq!(y(K8S, "$.metadata.annotations[\"a.b/c\"]"), ["x"]);
        let text = "\"it's\": 1\n'say \"hi\"': 2\n'back\\slash': 3\n";
        assert_eq!(y(text, r"$['it\'s']"), ["1"]);
        assert_eq!(y(text, r#"$["say \"hi\""]"#), ["2"]);
        assert_eq!(y(text, r"$['back\\slash']"), ["3"]);
        // `$ref` needs no quotes
        assert_eq!(y("a: {$ref: '#/x'}", "$.a.$ref"), ["'#/x'"]);
        // numbers as keys match by their text
        assert_eq!(y("200: ok\n", "$.200"), ["ok"]);
    }

    #[test]
    fn indices_and_unions() {
        let text = "l: [a, b, c]\nm: {x: 1, y: 2, z: 3}\n";
        assert_eq!(y(text, "$.l[0]"), ["a"]);
        assert_eq!(y(text, "$.l[-1]"), ["c"]);
        assert_eq!(y(text, "$.l[-3]"), ["a"]);
        assert!(y(text, "$.l[3]").is_empty());
        assert!(y(text, "$.l[-4]").is_empty());
        assert!(y(text, "$.l[-9223372036854775808]").is_empty());
        assert_eq!(y(text, "$.l[ 2 , 0 ]"), ["a", "c"]); // document order
        assert_eq!(y(text, "$.l[0,0]"), ["a"]); // no duplicates
        assert_eq!(y(text, "$.m['z','x']"), ["1", "3"]);
        assert!(y(text, "$.m[0]").is_empty());
        assert!(y(text, "$.l['0']").is_empty());
    }

    #[test]
    fn wildcards() {
        let text = "l: [a, b]\nm: {x: 1, y: [2]}\ns: str\n";
        assert_eq!(y(text, "$.l.*"), ["a", "b"]);
        assert_eq!(y(text, "$.l[*]"), ["a", "b"]);
        assert_eq!(y(text, "$.m.*"), ["1", "[2]"]);
        assert_eq!(y(text, "$.m[*]"), ["1", "[2]"]);
        assert!(y(text, "$.s.*").is_empty());
        assert_eq!(y(text, "*").len(), 3);
        assert_eq!(y(text, "$.*.*"), ["a", "b", "1", "[2]"]);
    }

    #[test]
    fn duplicate_keys_all_selected() {
        let mut doc = Doc::new();
        let sp = |a: usize| Span::new(a, a + 1);
        let ka = doc.push(sp(0), Value::Str("a".into()), Style::Plain);
        let v1 = doc.push(sp(1), Value::Int(1), Style::Plain);
        let ka2 = doc.push(sp(2), Value::Str("a".into()), Style::Plain);
        let v2 = doc.push(sp(3), Value::Int(2), Style::Plain);
        let map = doc.push(
            Span::new(0, 4),
            Value::Map(vec![(ka, v1), (ka2, v2)]),
            Style::Plain,
        );
        let p = Path::parse("$.a").unwrap();
        assert_eq!(p.select(&doc, map, map), [v1, v2]);
        let p = Path::parse("$.a~").unwrap();
        assert_eq!(p.select(&doc, map, map), [ka, ka2]);
    }

    #[test]
    fn recursive_descent() {
        assert_eq!(
            y(K8S, "$..image"),
            ["gcr.io/proj/app:1", "docker.io/side", "public.ecr.aws/x"]
        );
        assert_eq!(y(K8S, "$..containerPort"), ["80", "443", "9090"]);
        assert_eq!(y(K8S, "$..ports[0].containerPort"), ["80", "9090"]);
        assert_eq!(y(K8S, "$..['name']"), ["web", "app", "side", "last"]);
        // the node itself is included
        assert_eq!(y(K8S, "$.metadata..name"), ["web"]);
        let text = "a: {b: [1, {c: 2}]}\n";
        assert_eq!(
            y(text, "$..*"),
            ["{b: [1, {c: 2}]}", "[1, {c: 2}]", "1", "{c: 2}", "2"]
        );
        assert_eq!(y(text, "$..[*]"), y(text, "$..*"));
        assert_eq!(y(text, "$..[1]"), ["{c: 2}"]);
        assert_eq!(y(text, "$.a..c"), ["2"]);
        assert_eq!(y(text, "$..*..c"), ["2"]);
    }

    #[test]
    fn aliases_resolve_and_descent_terminates() {
        // an alias pointing at its own ancestor
        let text = "a: &x {b: *x}\n";
        let doc = yaml(text);
        let root = doc.root().unwrap();
        let all = Path::parse("$..*").unwrap().select(&doc, root, root);
        assert_eq!(spans(text, &doc, &all), ["{b: *x}"]);
        assert_eq!(y(text, "$.a.b.b.b"), ["{b: *x}"]);
        assert_eq!(y(text, "$..b"), ["{b: *x}"]);
        // no alias node is ever selected
        for path in ["$..*", "$.a.b", "$.a.*", "$..b.b"] {
            for id in Path::parse(path).unwrap().select(&doc, root, root) {
                assert!(!matches!(doc.value(id), Value::Alias(_)), "{path}");
            }
        }
        // an anchor referenced many times yields one node
        let text = "base: &b {image: x}\nl: [*b, *b, *b]\nm: {p: *b, q: *b}\n";
        assert_eq!(y(text, "$..image"), ["x"]);
        assert_eq!(y(text, "$.l[*]"), ["{image: x}"]);
        assert_eq!(y(text, "$.m.p.image"), ["x"]);
    }

    #[test]
    fn merge_keys_are_visible() {
        let text = "\
base: &base {image: x, replicas: 1}
svc:
  <<: *base
  replicas: 2
";
        assert_eq!(y(text, "$.svc.image"), ["x"]);
        assert_eq!(y(text, "$.svc.replicas"), ["2"]);
        assert_eq!(y(text, "$.svc.*"), ["x", "2"]);
        assert_eq!(y(text, "$.svc.*~"), ["image", "replicas"]);
        assert_eq!(y(text, "$.svc[?(@.image == 'x')].replicas"), ["2"]);
    }

    #[test]
    fn keys() {
        assert_eq!(y(K8S, "$.metadata.annotations.*~"), ["a.b/c", "d"]);
        assert_eq!(y(K8S, "$.metadata.annotations[*]~"), ["a.b/c", "d"]);
        assert_eq!(y(K8S, "$.metadata.name~"), ["name"]);
        assert_eq!(y(K8S, "$.metadata['name','labels']~"), ["name", "labels"]);
        assert_eq!(y(K8S, "$..containerPort~").len(), 3);
        // a sequence has no key nodes
        assert!(y(K8S, "$.spec.template.spec.containers.*~").is_empty());
        // keys can be filtered like any scalar
        assert_eq!(
            y(K8S, "$.metadata.labels.*~[?(@ =~ /kubernetes/)]"),
            ["app.kubernetes.io/name"]
        );
        let text = "env:\n  AWS_REGION: x\n  PORT: 1\n  AWS_KEY: y\n";
        assert_eq!(
            y(text, "$.env.*~[?(@ =~ /^AWS_/)]"),
            ["AWS_REGION", "AWS_KEY"]
        );
        // key nodes are returned as written, even when they are aliases
        let text = "k: &k name\nm: {*k : v}\n";
        let doc = yaml(text);
        let root = doc.root().unwrap();
        let ids = Path::parse("$.m.*~").unwrap().select(&doc, root, root);
        assert_eq!(ids.len(), 1);
        assert!(matches!(doc.value(ids[0]), Value::Alias(_)));
        assert_eq!(y(text, "$.m.name"), ["v"]);
    }

    #[test]
    fn filters_on_sequences_and_on_self() {
        assert_eq!(
            y(K8S, "$[?(@.kind == 'Deployment')].metadata.name"),
            ["web"]
        );
        assert!(y(K8S, "$[?(@.kind == 'Service')]").is_empty());
        assert_eq!(
            y(
                K8S,
                "$.spec.template.spec.containers[?(@.name == 'side')].image"
            ),
            ["docker.io/side"]
        );
        assert_eq!(
            y(
                K8S,
                "$..containers[?(@.image =~ /^(gcr\\.io|public\\.ecr\\.aws)\\//)].name"
            ),
            ["app", "last"]
        );
        // without parentheses, with whitespace
        assert_eq!(y(K8S, "$..containers[? @.name=='app' ].name"), ["app"]);
        // a scalar tests itself
        assert_eq!(y(K8S, "$.spec.replicas[?(@ > 2)]"), ["3"]);
        assert!(y(K8S, "$.spec.replicas[?(@ > 3)]").is_empty());
        // existence, negation, && || and parentheses
        assert_eq!(y(K8S, "$..containers[?(@.ports)].name"), ["app", "side"]);
        assert_eq!(y(K8S, "$..containers[?(!@.ports)].name"), ["last"]);
        assert_eq!(
            y(
                K8S,
                "$..containers[?(@.name == 'app' || @.name == 'last')].name"
            ),
            ["app", "last"]
        );
        assert_eq!(
            y(K8S, "$..containers[?(@.ports && !(@.name == 'app'))].name"),
            ["side"]
        );
        assert_eq!(
            y(
                K8S,
                "$..containers[?(@.name == 'app') || (@.name == 'side') && @.ports].name"
            ),
            ["app", "side"]
        );
        assert_eq!(y(K8S, "$..containers[?(!!@.ports)].name"), ["app", "side"]);
    }

    #[test]
    fn nested_filters_and_absolute_paths() {
        assert_eq!(
            y(
                K8S,
                "$..containers[?(@.ports[?(@.containerPort == 443)])].name"
            ),
            ["app"]
        );
        assert_eq!(
            y(
                K8S,
                "$..containers[?(@.ports[*].containerPort > 1000)].name"
            ),
            ["side"]
        );
        let text = "default: b\nitems: [{n: a}, {n: b}]\n";
        assert_eq!(y(text, "$.items[?(@.n == $.default)]"), ["{n: b}"]);
        assert_eq!(y(text, "$.items[?(@.n != $.default)]"), ["{n: a}"]);
        assert_eq!(y(text, "$.items[?($.default)]").len(), 2);
        assert!(y(text, "$.items[?($.nothing)]").is_empty());
    }

    #[test]
    fn regex_matching() {
        let text = "l: [Azure, aws, AWS-x, 'a/b', 12]\n";
        assert_eq!(y(text, "$.l[?(@ =~ /^aws/)]"), ["aws"]);
        assert_eq!(y(text, "$.l[?(@ =~ /^aws/i)]"), ["aws", "AWS-x"]);
        assert_eq!(y(text, "$.l[?(@ =~ 'zur')]"), ["Azure"]); // unanchored
        assert_eq!(y(text, r"$.l[?(@ =~ /a\/b/)]"), ["'a/b'"]);
        assert_eq!(y(text, r"$.l[?(@ =~ '\d')]"), Vec::<&str>::new()); // numbers are not strings
        assert_eq!(y(text, r"$.l[?(@=~/^a.s$/)]"), ["aws"]);
        assert!(y(text, "$.l[?(@.nothing =~ /./)]").is_empty());
        let text = "s: \"a\\nb\"\n";
        assert!(y(text, "$.s[?(@ =~ /a.b/)]").is_empty());
        assert_eq!(y(text, "$.s[?(@ =~ /a.b/s)]").len(), 1);
        assert_eq!(y(text, "$.s[?(@ =~ /^b$/m)]").len(), 1);
    }

    #[test]
    fn comparison_semantics() {
        let text = "\
i: 3
f: 2.5
big: 9007199254740993
s: '3'
t: true
n: null
e: ''
l: [1, 5]
m: {a: 1}
";
        let t = |expr: &str| !y(text, &format!("$[?({expr})]")).is_empty();
        assert!(t("@.i == 3"));
        assert!(t("@.i == 3.0"));
        assert!(t("3.0 == @.i"));
        assert!(t("@.i > 2.5"));
        assert!(t("@.f < @.i"));
        assert!(t("@.f >= 2.5 && @.f <= 2.5"));
        assert!(t("@.i != 4"));
        assert!(t("@.i >= -1e3"));
        assert!(!t("@.big == 9007199254740992.0")); // exact, not through f64
        assert!(t("@.big > 9007199254740992.0"));
        // a string never equals a number
        assert!(!t("@.s == 3"));
        assert!(t("@.s != 3"));
        assert!(!t("@.s > 2"));
        assert!(t("@.s == '3'"));
        assert!(t("@.s < '4' && @.s > '10'")); // strings order as strings
        assert!(t("@.t == true"));
        assert!(!t("@.t == 'true'"));
        assert!(!t("@.t > false"));
        assert!(t("@.n == null"));
        assert!(!t("@.e == null"));
        assert!(t("@.e == ''"));
        // a missing path never compares, `!=` included
        assert!(!t("@.missing == 1"));
        assert!(!t("@.missing != 1"));
        assert!(!t("1 != @.missing"));
        assert!(!t("@.missing == @.missing"));
        assert!(t("!@.missing"));
        // several nodes: any of them
        assert!(t("@.l[*] == 5"));
        assert!(t("@.l[*] != 5"));
        assert!(!t("@.l[*] > 5"));
        // containers compare by identity
        assert!(t("@.m == @.m"));
        assert!(!t("@.m == @.l"));
        assert!(!t("@.m == 1"));
        // literals on both sides
        assert!(t("'a' < 'b'"));
        assert!(t("@"));
    }

    #[test]
    fn hcl_blocks_and_unknown_expressions() {
        let text = r#"
resource "aws_db_instance" "main" {
  multi_az = false
  engine   = "postgres"
}
resource "aws_db_instance" "replica" {
  multi_az = var.multi_az
  engine   = "${var.engine}"
}
resource "aws_db_instance" "ha" {
  multi_az = true
}
"#;
        let doc = hcl(text);
        let s = |path: &str| sel(text, &doc, path);
        assert_eq!(
            s("$.resource.aws_db_instance.main.engine"),
            ["\"postgres\""]
        );
        assert_eq!(
            s("$.resource.aws_db_instance.*~"),
            ["\"main\"", "\"replica\"", "\"ha\""]
        );
        let flagged = s("$.resource.aws_db_instance.*[?(@.multi_az == false)]");
        assert_eq!(flagged.len(), 1);
        assert!(flagged[0].contains("postgres"));
        // an unknown value is neither equal nor unequal to anything
        let not_false = s("$.resource.aws_db_instance.*[?(@.multi_az != false)]");
        assert_eq!(not_false.len(), 1);
        assert!(not_false[0].contains("multi_az = true"));
        assert!(s("$..*[?(@.engine == 'postgres')]").len() == 1);
        assert!(s("$..[?(@.engine != 'postgres')]").is_empty());
        assert!(s("$..[?(@.engine =~ /./)]").len() == 1);
        // but it exists
        assert_eq!(s("$..[?(@.engine)]").len(), 2);
    }

    #[test]
    fn prefix_and_len() {
        let p = Path::parse("$.spec.template.nothing.deeper").unwrap();
        assert_eq!(p.len(), 4);
        assert!(!p.is_empty());
        let doc = yaml(K8S);
        let root = doc.root().unwrap();
        assert!(p.select(&doc, root, root).is_empty());
        let deepest = (0..=p.len())
            .rev()
            .find(|&n| !p.select_prefix(n, &doc, root, root).is_empty())
            .unwrap();
        assert_eq!(deepest, 2);
        let at = p.select_prefix(2, &doc, root, root);
        assert!(spans(K8S, &doc, &at)[0].starts_with("spec:"));
        assert_eq!(p.select_prefix(0, &doc, root, root), [root]);
        assert!(p.select_prefix(99, &doc, root, root).is_empty());
        assert_eq!(Path::parse("$").unwrap().len(), 0);
        assert!(Path::parse("@").unwrap().is_empty());
        assert_eq!(Path::parse("$..a[*].b~").unwrap().len(), 3);
        assert_eq!(Path::parse("a.b[?(@.c.d.e)]").unwrap().len(), 3);
        let p = Path::parse("$.a[?(@.b == 'x')]").unwrap();
        assert_eq!(p.as_str(), "$.a[?(@.b == 'x')]");
        assert_eq!(format!("{p:?}"), r#"Path("$.a[?(@.b == 'x')]")"#);
    }

    #[test]
    fn parse_errors() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "empty"),
            ("$.a[0", 3, "never closed"),
            ("$.a['b'", 3, "never closed"),
            ("$.a[?(@.b == 1)", 3, "never closed"),
            ("$.a[?(@.b == 1]", 14, "expected ')'"),
            ("$.a['b", 4, "unterminated string"),
            ("$.a b", 3, "unexpected ' '"),
            ("$.a]", 3, "unexpected ']'"),
            ("$a", 1, "unexpected 'a'"),
            ("$.", 2, "after '.'"),
            ("$.a.", 4, "after '.'"),
            ("$..", 3, "after '..'"),
            ("$...a", 3, "after '..'"),
            ("$.a[0]~", 6, "'~'"),
            ("$.a[?(@.b)]~", 11, "'~'"),
            ("$.a[x]", 4, "inside '[]'"),
            ("$.a[0 1]", 6, "expected ']'"),
            ("$.a[99999999999999999999]", 4, "out of range"),
            ("$[?(@.a = 1)]", 8, "'=='"),
            ("$[?(@.a == foo)]", 11, "unknown word"),
            ("$[?(@.a == )]", 11, "expected a path"),
            ("$[?(1)]", 4, "literal alone"),
            ("$[?(@.a && )]", 11, "expected a path"),
            ("$[?(@.a == 1.)]", 13, "after '.'"),
            ("$[?(@.a =~ /(/)]", 11, "invalid regex"),
            ("$[?(@.a =~ '[z-a]')]", 11, "invalid regex"),
            ("$[?(@.a =~ /a/g)]", 14, "unknown regex flag"),
            ("$[?(@.a =~ /abc)]", 11, "unterminated regex"),
            ("$[?(@.a =~ @.b)]", 11, "expected a regex"),
            ("$[?(@.a == 1) x]", 14, "expected ']'"),
            ("$[?(@.a == 'x)]", 11, "unterminated string"),
        ];
        for &(path, offset, message) in cases {
            let e = err(path);
            assert_eq!(e.offset, offset, "{path:?}: {e}");
            assert!(e.message.contains(message), "{path:?}: {e}");
        }
        // a regex too big to compile is refused at parse time
        let e = err("$[?(@ =~ /(a{1000}){1000}/)]");
        assert_eq!(e.offset, 9);
        assert!(e.message.contains("invalid regex"), "{e}");
        // nesting is capped
        let deep = format!("$[?({}@{})]", "(".repeat(40), ")".repeat(40));
        assert!(err(&deep).message.contains("nests"));
        let deep = format!("$[?({}@)]", "!".repeat(40));
        assert!(err(&deep).message.contains("nests"));
        let ok = format!("$[?({}@{})]", "(".repeat(20), ")".repeat(20));
        assert!(Path::parse(&ok).is_ok());
        // errors after multi-byte characters are byte offsets
        let e = err("$['é'] x");
        assert_eq!(e.offset, 7);
    }

    /// A chain of `depth` mappings `{k: {k: ... null}}`, built directly (parsers cap depth).
    fn chain(depth: usize) -> (Doc, NodeId) {
        let mut doc = Doc::new();
        let mut child = doc.push(Span::default(), Value::Null, Style::Plain);
        for _ in 0..depth {
            let key = doc.push(Span::default(), Value::Str("k".into()), Style::Plain);
            let map = doc.push(
                Span::default(),
                Value::Map(vec![(key, child)]),
                Style::Plain,
            );
            doc.set_parent(key, map);
            doc.set_parent(child, map);
            child = map;
        }
        doc.set_root(child);
        (doc, child)
    }

    #[test]
    fn deep_documents_do_not_recurse() {
        let (doc, root) = chain(100_000);
        let all = Path::parse("$..*").unwrap().select(&doc, root, root);
        assert_eq!(all.len(), 100_000);
        let keys = Path::parse("$..*~").unwrap().select(&doc, root, root);
        assert_eq!(keys.len(), 100_000);
        let nulls = Path::parse("$..[?(@ == null)]")
            .unwrap()
            .select(&doc, root, root);
        assert_eq!(nulls.len(), 1);
        // quadratic work is cut off by the budget instead of running for hours
        let p = Path::parse("$..*[?(@..[?(@ == null)])]").unwrap();
        let _ = p.select(&doc, root, root);
        let p = Path::parse("$[?($..* == $..*)]").unwrap();
        let _ = p.select(&doc, root, root);
    }

    #[test]
    fn deep_yaml_flow_repeated() {
        let depth = 200;
        let one = format!("{}1{}", "{k: ".repeat(depth), "}".repeat(depth));
        let text: String = (0..20).map(|i| format!("d{i}: {one}\n")).collect();
        let doc = yaml(&text);
        let root = doc.root().unwrap();
        let ones = Path::parse("$..k[?(@ == 1)]")
            .unwrap()
            .select(&doc, root, root);
        assert_eq!(ones.len(), 20);
        assert_eq!(
            Path::parse("$..*").unwrap().select(&doc, root, root).len(),
            20 * (depth + 1)
        );
    }

    proptest::proptest! {
        /// Any text either compiles or fails with an offset inside it, on a character
        /// boundary; a compiled path selects without panicking.
        #[test]
        fn any_text_parses_or_errors_cleanly(
            atoms in proptest::collection::vec(proptest::sample::select(vec![
                "$", "@", ".", "..", "*", "~", "[", "]", "(", ")", "?", ",", "'", "\"", "\\",
                "/", "i", "a", "k", "0", "-1", "2.5", "e3", "==", "!=", "<", ">=", "=~", "=",
                "!", "&&", "||", "&", "|", " ", "true", "null", "é", "(a{99}){99}",
            ]), 0..24)
        ) {
            let src: String = atoms.concat();
            match Path::parse(&src) {
                Ok(path) => {
                    let text = "k: &x {a: [1, 'a', {k: *x}], <<: {i: -1}}\nl: [*x, 2.5, null]\n";
                    let doc = yaml(text);
                    let root = doc.root().unwrap();
                    for id in path.select(&doc, root, root) {
                        proptest::prop_assert!(id.index() < doc.len());
                    }
                    for n in 0..=path.len() {
                        let _ = path.select_prefix(n, &doc, root, root);
                    }
                }
                Err(e) => {
                    proptest::prop_assert!(e.offset <= src.len());
                    proptest::prop_assert!(src.is_char_boundary(e.offset));
                    proptest::prop_assert!(!e.message.is_empty());
                }
            }
        }
    }

    #[test]
    fn error_messages_read_well() {
        let e = err("$[?(@ =~ /(/)]");
        assert_eq!(e.message, "invalid regex: unclosed group");
        assert_eq!(e.to_string(), "invalid regex: unclosed group (at byte 9)");
    }
}
