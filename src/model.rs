//! The one spanned document model every format lowers into.
//!
//! A [`Doc`] is an arena of [`Node`]s: null, bool, number, string, sequence, mapping, plus two
//! kinds only some formats have: a YAML alias (kept as a reference, never copied) and an
//! expression (HCL's `var.region`, `"${local.x}"`, function calls), kept with its source text so
//! that a rule can say "unknown" instead of guessing. Every node, keys included, carries the byte
//! span where it was written.
//!
//! The arena (rather than a recursive enum) matters for hostile input: dropping or walking a
//! 100,000-deep tree never recurses, and parent links come for free.
//!
//! How each format maps onto the model is documented in the README ("The document model").

use crate::source::Span;
use std::borrow::Cow;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What kind of non-literal an [`Value::Expr`] node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExprKind {
    /// `var.region`, `aws_vpc.main.id`, `local.x[0]`, a bare identifier.
    Reference,
    /// A string with `${...}` interpolations or `%{...}` directives.
    Template,
    /// `lookup(var.m, "k")`
    Call,
    /// `a ? b : c`
    Conditional,
    /// Unary or binary operators, parentheses.
    Operation,
    /// `[for x in y : x]`
    For,
}

impl ExprKind {
    pub fn name(self) -> &'static str {
        match self {
            ExprKind::Reference => "reference",
            ExprKind::Template => "template",
            ExprKind::Call => "call",
            ExprKind::Conditional => "conditional",
            ExprKind::Operation => "operation",
            ExprKind::For => "for",
        }
    }
}

/// How a scalar was written; rules may care (YAML 1.1 `yes` written plain vs `"yes"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Style {
    #[default]
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
    /// A flow collection (`[..]`, `{..}`) as opposed to a block one.
    Flow,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Box<str>),
    Seq(Vec<NodeId>),
    /// (key, value) pairs in source order. Duplicate keys are kept so a rule can report both.
    Map(Vec<(NodeId, NodeId)>),
    /// A YAML alias `*name`; the target is the anchored node, with the span where it was written.
    Alias(NodeId),
    Expr(ExprKind),
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Seq(_) => "sequence",
            Value::Map(_) => "mapping",
            Value::Alias(_) => "alias",
            Value::Expr(_) => "expression",
        }
    }
}

const NO_PARENT: u32 = u32::MAX;

#[derive(Clone, Debug)]
pub struct Node {
    pub span: Span,
    pub value: Value,
    pub style: Style,
    parent: u32,
}

/// Upper bound on the entries one merge-key lookup may visit. A YAML "billion laughs" built from
/// nested `<<` merges stops here instead of exhausting memory.
pub const MERGE_BUDGET: usize = 10_000;

/// One parsed document: a whole JSON/TOML/HCL/.env file, or one document of a YAML stream.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    nodes: Vec<Node>,
    root: Option<NodeId>,
    /// YAML tags (`!Ref`, `!!str`) by node, in node order.
    tags: Vec<(NodeId, Box<str>)>,
    /// YAML anchors: the anchored node and the span of `&name`.
    anchors: Vec<(NodeId, Span)>,
    /// [`Doc::walk`] from the root, made on first use: a rule pack asks for `$..` many times
    /// per document (five times per Kubernetes manifest with the built-in rules), and each walk
    /// visits every node. Every mutation clears it.
    root_walk: OnceLock<Box<[NodeId]>>,
}

impl Doc {
    pub fn new() -> Doc {
        Doc::default()
    }

    pub fn push(&mut self, span: Span, value: Value, style: Style) -> NodeId {
        self.root_walk = OnceLock::new();
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node {
            span,
            value,
            style,
            parent: NO_PARENT,
        });
        id
    }

    /// Record `child` as belonging to `parent`; builders call this when they attach a node.
    pub fn set_parent(&mut self, child: NodeId, parent: NodeId) {
        self.root_walk = OnceLock::new();
        self.nodes[child.index()].parent = parent.0;
    }

    pub fn set_root(&mut self, root: NodeId) {
        self.root_walk = OnceLock::new();
        self.root = Some(root);
    }

    pub fn root(&self) -> Option<NodeId> {
        self.root
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        self.root_walk = OnceLock::new();
        &mut self.nodes[id.index()]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        let p = self.nodes[id.index()].parent;
        (p != NO_PARENT).then_some(NodeId(p))
    }

    pub fn span(&self, id: NodeId) -> Span {
        self.nodes[id.index()].span
    }

    pub fn value(&self, id: NodeId) -> &Value {
        &self.nodes[id.index()].value
    }

    pub fn add_tag(&mut self, id: NodeId, tag: Box<str>) {
        self.tags.push((id, tag));
    }

    pub fn tag(&self, id: NodeId) -> Option<&str> {
        self.tags
            .binary_search_by_key(&id, |(n, _)| *n)
            .ok()
            .map(|i| &*self.tags[i].1)
    }

    pub fn add_anchor(&mut self, id: NodeId, name_span: Span) {
        self.anchors.push((id, name_span));
    }

    pub fn anchor(&self, id: NodeId) -> Option<Span> {
        self.anchors
            .binary_search_by_key(&id, |(n, _)| *n)
            .ok()
            .map(|i| self.anchors[i].1)
    }

    /// Follows an alias to the node it names. The target of an alias is never itself an alias
    /// (an anchor sits on a real node), so one step suffices and cycles are impossible here.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        match self.nodes[id.index()].value {
            Value::Alias(target) => target,
            _ => id,
        }
    }

    pub fn as_str(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[self.resolve(id).index()].value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text a key or scalar stands for, as a string: `replicas`, `80`, `true`.
    pub fn scalar_text(&self, id: NodeId) -> Option<Cow<'_, str>> {
        match &self.nodes[self.resolve(id).index()].value {
            Value::Str(s) => Some(Cow::Borrowed(s)),
            Value::Int(i) => Some(Cow::Owned(i.to_string())),
            Value::Float(f) => Some(Cow::Owned(f.to_string())),
            Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            Value::Null => Some(Cow::Borrowed("null")),
            _ => None,
        }
    }

    /// The entries of a mapping as a reader sees them: the mapping's own entries in source
    /// order, then those merged in by YAML `<<` keys that the mapping does not set itself
    /// (explicit keys win; among merge sources the earlier wins). Aliases are followed, never
    /// copied. Work is bounded by [`MERGE_BUDGET`] and cycles are cut, so hostile merge chains
    /// cost little. Returns an empty list for non-mappings.
    pub fn entries(&self, map: NodeId) -> Cow<'_, [(NodeId, NodeId)]> {
        let map = self.resolve(map);
        let Value::Map(own) = &self.nodes[map.index()].value else {
            return Cow::Borrowed(&[]);
        };
        // the common case borrows: selectors call this for every mapping they pass through
        if !own.iter().any(|&(k, _)| self.is_merge_key(k)) {
            return Cow::Borrowed(own);
        }
        let mut out: Vec<(NodeId, NodeId)> = Vec::new();
        let mut seen_keys: Vec<String> = Vec::new();
        let mut visited = vec![map];
        let mut budget = MERGE_BUDGET;
        self.collect_merged(map, &mut out, &mut seen_keys, &mut visited, &mut budget);
        Cow::Owned(out)
    }

    fn is_merge_key(&self, key: NodeId) -> bool {
        let n = &self.nodes[key.index()];
        n.style == Style::Plain && matches!(&n.value, Value::Str(s) if &**s == "<<")
    }

    fn collect_merged(
        &self,
        map: NodeId,
        out: &mut Vec<(NodeId, NodeId)>,
        seen: &mut Vec<String>,
        visited: &mut Vec<NodeId>,
        budget: &mut usize,
    ) {
        // Explicit work list instead of recursion: merge chains can be as deep as the input.
        let mut stack = vec![map];
        while let Some(m) = stack.pop() {
            let Value::Map(own) = &self.nodes[m.index()].value else {
                continue;
            };
            let mut sources = Vec::new();
            for &(k, v) in own {
                if *budget == 0 {
                    return;
                }
                *budget -= 1;
                if self.is_merge_key(k) {
                    let v = self.resolve(v);
                    match &self.nodes[v.index()].value {
                        Value::Seq(items) => sources.extend(items.iter().map(|&i| self.resolve(i))),
                        Value::Map(_) => sources.push(v),
                        _ => {}
                    }
                    continue;
                }
                let name = self
                    .scalar_text(k)
                    .map(|c| c.into_owned())
                    .unwrap_or_default();
                if !seen.contains(&name) {
                    seen.push(name);
                    out.push((k, v));
                }
            }
            // Earlier sources win, so the first must be popped first.
            for s in sources.into_iter().rev() {
                if !visited.contains(&s) {
                    visited.push(s);
                    stack.push(s);
                }
            }
        }
    }

    /// The value under `key` in a mapping (merge keys applied; first match wins).
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.entries(map)
            .iter()
            .copied()
            .find(|&(k, _)| self.scalar_text(k).is_some_and(|t| t == key))
            .map(|(_, v)| self.resolve(v))
    }

    /// The nodes of `input` and everything below them, each once, in depth-first order
    /// (children pushed in document order, popped last first), at most `budget` of them.
    /// Aliases are followed, but a node already seen is not entered again, so an alias to an
    /// ancestor ends the walk there.
    pub fn walk(&self, input: &[NodeId], budget: usize) -> Vec<NodeId> {
        if budget == 0 {
            return Vec::new();
        }
        if let (&[only], Some(root)) = (input, self.root) {
            if self.resolve(only) == self.resolve(root) {
                let all = self
                    .root_walk
                    .get_or_init(|| self.walk_uncached(&[root], usize::MAX).into());
                return all[..all.len().min(budget)].to_vec();
            }
        }
        self.walk_uncached(input, budget)
    }

    fn walk_uncached(&self, input: &[NodeId], budget: usize) -> Vec<NodeId> {
        // a bitmap over the arena: hashing every node id cost more than the walk itself
        let mut seen = vec![0u64; self.nodes.len().div_ceil(64)];
        let mut first_visit = |n: NodeId| {
            let (word, bit) = (n.index() / 64, 1u64 << (n.index() % 64));
            let fresh = seen[word] & bit == 0;
            seen[word] |= bit;
            fresh
        };
        let mut stack: Vec<NodeId> = Vec::new();
        for &node in input {
            let node = self.resolve(node);
            if first_visit(node) {
                stack.push(node);
            }
        }
        let mut out = Vec::new();
        while let Some(node) = stack.pop() {
            if out.len() == budget {
                break;
            }
            out.push(node);
            let mut push = |child: NodeId| {
                let child = self.resolve(child);
                if first_visit(child) {
                    stack.push(child);
                }
            };
            match self.value(node) {
                Value::Seq(items) => items.iter().copied().for_each(&mut push),
                Value::Map(_) => self.entries(node).iter().for_each(|&(_, v)| push(v)),
                _ => {}
            }
        }
        out
    }

    /// Children of a node in document order (for a mapping: key, value, key, value...).
    pub fn children(&self, id: NodeId) -> Vec<NodeId> {
        match &self.nodes[id.index()].value {
            Value::Seq(items) => items.clone(),
            Value::Map(entries) => entries.iter().flat_map(|&(k, v)| [k, v]).collect(),
            _ => Vec::new(),
        }
    }

    /// Nesting depth of the deepest node, computed without recursion.
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.nodes.len()];
        let mut max = 0;
        // Builders push parents before children, so one forward pass suffices.
        for i in 0..self.nodes.len() {
            let p = self.nodes[i].parent;
            if p != NO_PARENT {
                depth[i] = depth[p as usize] + 1;
                max = max.max(depth[i]);
            }
        }
        max
    }
}

/// A comment in a source file: the span of the whole comment, marker included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
}

impl Doc {
    /// Terraform's JSON syntax writes expressions as strings: `"${var.x}"`. Turns every such
    /// string into the expression it is, so rules treat it as unknown, as they do in HCL.
    pub fn mark_templates(&mut self) {
        self.root_walk = OnceLock::new();
        for n in &mut self.nodes {
            if matches!(&n.value, Value::Str(s) if s.contains("${")) {
                n.value = Value::Expr(ExprKind::Template);
            }
        }
    }

    pub(crate) fn shift_spans(&mut self, by: u32) {
        for n in &mut self.nodes {
            n.span = n.span.shift(by);
        }
        for a in &mut self.anchors {
            a.1 = a.1.shift(by);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(doc: &mut Doc, text: &str) -> NodeId {
        doc.push(Span::default(), Value::Str(text.into()), Style::Plain)
    }

    #[test]
    fn merge_keys_explicit_wins_and_cycles_stop() {
        let mut d = Doc::new();
        let (ka, va) = (s(&mut d, "a"), s(&mut d, "base-a"));
        let (kb, vb) = (s(&mut d, "b"), s(&mut d, "base-b"));
        let base = d.push(
            Span::default(),
            Value::Map(vec![(ka, va), (kb, vb)]),
            Style::Plain,
        );
        let alias = d.push(Span::default(), Value::Alias(base), Style::Plain);
        let merge = s(&mut d, "<<");
        let (ka2, va2) = (s(&mut d, "a"), s(&mut d, "own-a"));
        let map = d.push(
            Span::default(),
            Value::Map(vec![(merge, alias), (ka2, va2)]),
            Style::Plain,
        );
        assert_eq!(d.as_str(d.get(map, "a").unwrap()), Some("own-a"));
        assert_eq!(d.as_str(d.get(map, "b").unwrap()), Some("base-b"));
        // a mapping that merges itself terminates
        let self_alias = d.push(Span::default(), Value::Alias(map), Style::Plain);
        let m2 = s(&mut d, "<<");
        if let Value::Map(e) = &mut d.node_mut(map).value {
            e.push((m2, self_alias));
        }
        assert_eq!(d.entries(map).len(), 2);
    }
}
