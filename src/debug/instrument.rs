//! Debug instrumentation of a plugin's source, for breakpoints on every engine.
//!
//! The default engine's inspector has no breakpoints and no call frames, so a plugin loaded
//! for debugging gets a *site* before every statement that runs: a call into the debug agent
//! (`__qirvo_dbg(n)`, which reads the isolate's armed flag and calls the check op only while
//! a breakpoint, a step or a pause request could stop there) and, only when that says so, a
//! pause that captures the frame through a closure calling `eval` in the statement's own
//! scope, so a paused plugin's locals can be read and evaluated. Sites are inserted into the original source text on the
//! statement's own line (never adding lines), before TypeScript is transpiled, so source maps
//! still point at the original lines; [`LineShifts`] turns the columns back.

use std::collections::BTreeMap;

use deno_ast::swc::ast::*;
use deno_ast::swc::common::Spanned;
use deno_ast::swc::ecma_visit::{Visit, VisitWith};
use deno_ast::{MediaType, ModuleSpecifier, SourcePos};

/// Most local names captured for one site (the rest are still reachable by `evaluate`).
const MAX_LOCALS: usize = 200;

/// One place a plugin can stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SiteInfo {
    /// 1-based line and column (UTF-16 units) of the statement in the original source.
    pub line: u32,
    pub column: u32,
    /// Names declared in the enclosing functions and blocks (innermost first).
    pub locals: Vec<String>,
    /// A `debugger;` statement: pauses whenever a debugger is attached.
    pub debugger: bool,
}

/// Where text was inserted on each line: `(original column, inserted length)`, 1-based
/// columns in UTF-16 units, sorted.
#[derive(Debug, Clone, Default)]
pub(crate) struct LineShifts(BTreeMap<u32, Vec<(u32, u32)>>);

impl LineShifts {
    /// The original column of `column` on `line` of the instrumented text.
    pub(crate) fn original_column(&self, line: u32, column: u32) -> u32 {
        let Some(inserts) = self.0.get(&line) else {
            return column;
        };
        let mut offset = 0;
        for &(at, len) in inserts {
            let start = at + offset;
            if column >= start + len {
                offset += len;
            } else if column >= start {
                // Inside the inserted text: the statement it stands before.
                return at;
            } else {
                break;
            }
        }
        column - offset
    }

    /// `map` (a transpiled module's source map, which points into the instrumented
    /// source) with its source columns turned back to the original's, and `original` as
    /// its source contents: error stacks, which deno_core maps through the loader's source
    /// maps, then name the plugin's own columns. `None` if `map` does not parse.
    pub(crate) fn unshift_map(&self, map: &[u8], original: &str) -> Option<Vec<u8>> {
        use deno_ast::swc::sourcemap::{SourceMap, SourceMapBuilder};
        let map = SourceMap::from_slice(map).ok()?;
        let mut out = SourceMapBuilder::new(map.get_file().cloned());
        for token in map.tokens() {
            let source = token.get_source().map(|s| out.add_source(s.clone()));
            let name = token.get_name().map(|n| out.add_name(n.clone()));
            let (src_line, src_col) = (token.get_src_line(), token.get_src_col());
            let src_col = match (src_line.checked_add(1), src_col.checked_add(1)) {
                (Some(l), Some(c)) => self.original_column(l, c).saturating_sub(1),
                _ => src_col,
            };
            out.add_raw(
                token.get_dst_line(),
                token.get_dst_col(),
                src_line,
                src_col,
                source,
                name,
                token.is_range(),
            );
        }
        for id in 0..map.get_source_count() {
            out.set_source_contents(id, Some(original.to_string().into()));
        }
        let mut bytes = Vec::new();
        out.into_sourcemap().to_writer(&mut bytes).ok()?;
        Some(bytes)
    }

    /// A source map from `instrumented` (plain JavaScript, which is not transpiled) back
    /// to the original text it was made from: lines are the same, and each token's start
    /// (a run of identifier characters, or one other non-space character) maps to its
    /// original column, so error stacks name the plugin's own columns.
    pub(crate) fn identity_map(&self, url: &str, instrumented: &str, original: &str) -> Vec<u8> {
        use deno_ast::swc::sourcemap::SourceMapBuilder;
        let mut out = SourceMapBuilder::new(Some(url.to_string().into()));
        let source = out.add_source(url.to_string().into());
        out.set_source_contents(source, Some(original.to_string().into()));
        for (line0, text) in instrumented.split('\n').enumerate() {
            let Ok(line0) = u32::try_from(line0) else {
                break;
            };
            let line = line0.saturating_add(1);
            let mut col0: u32 = 0;
            let mut prev_ident = false;
            for ch in text.chars() {
                let ident = ch.is_alphanumeric() || ch == '_' || ch == '$';
                let starts = !ch.is_whitespace() && !(ident && prev_ident);
                if starts || col0 == 0 {
                    let src = self.original_column(line, col0.saturating_add(1));
                    out.add_raw(
                        line0,
                        col0,
                        line0,
                        src.saturating_sub(1),
                        Some(source),
                        None,
                        false,
                    );
                }
                prev_ident = ident;
                col0 = col0.saturating_add(ch.len_utf16() as u32);
            }
        }
        let mut bytes = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = out.into_sourcemap().to_writer(&mut bytes);
        bytes
    }
}

pub(crate) struct Instrumented {
    pub code: String,
    pub sites: Vec<SiteInfo>,
    pub shifts: LineShifts,
    /// Names declared at the module's top level.
    pub module_names: Vec<String>,
}

/// Inserts a site before every statement of `text` that runs. Site `k` of the result has
/// the id `first_site + k`.
pub(crate) fn instrument(
    specifier: &ModuleSpecifier,
    text: &str,
    media_type: MediaType,
    first_site: u32,
) -> Result<Instrumented, String> {
    let parsed = crate::isolate::loader::parse(specifier, text, media_type)?;
    let start = parsed.range().start;
    let mut finder = SiteFinder {
        text,
        start,
        found: Vec::new(),
        scopes: Vec::new(),
        module_names: Vec::new(),
    };
    parsed.program_ref().visit_with(&mut finder);
    let mut found = finder.found;
    found.sort_by_key(|f| f.offset);
    found.dedup_by_key(|f| f.offset);

    let mut code = String::with_capacity(text.len() + found.len() * 80);
    let mut shifts = LineShifts::default();
    let mut sites = Vec::with_capacity(found.len());
    let mut copied = 0;
    for (k, f) in found.into_iter().enumerate() {
        let id = first_site + k as u32;
        // A `debugger;` statement always asks (it stops whenever a session is attached).
        let check = if f.debugger {
            "__qirvo_dbgs"
        } else {
            "__qirvo_dbg"
        };
        let hook =
            format!("if({check}({id}))__qirvo_dbg_pause({id},(__qirvo_e)=>eval(__qirvo_e));");
        code.push_str(&text[copied..f.offset]);
        code.push_str(&hook);
        copied = f.offset;
        let (line, column) = line_col(text, f.offset);
        shifts
            .0
            .entry(line)
            .or_default()
            .push((column, hook.len() as u32));
        sites.push(SiteInfo {
            line,
            column,
            locals: f.locals,
            debugger: f.debugger,
        });
    }
    code.push_str(&text[copied..]);
    Ok(Instrumented {
        code,
        sites,
        shifts,
        module_names: finder.module_names,
    })
}

/// 1-based line and UTF-16 column of a byte offset.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].encode_utf16().count() as u32 + 1;
    (line, column)
}

struct Found {
    offset: usize,
    locals: Vec<String>,
    debugger: bool,
}

struct Scope {
    names: Vec<String>,
    module: bool,
}

struct SiteFinder<'a> {
    text: &'a str,
    start: deno_ast::StartSourcePos,
    found: Vec<Found>,
    scopes: Vec<Scope>,
    module_names: Vec<String>,
}

impl SiteFinder<'_> {
    fn offset(&self, span: deno_ast::swc::common::Span) -> Option<usize> {
        let pos = SourcePos::unsafely_from_byte_pos(span.lo);
        let offset = pos.as_byte_index(self.start);
        (offset <= self.text.len() && self.text.is_char_boundary(offset)).then_some(offset)
    }

    fn site(&mut self, span: deno_ast::swc::common::Span, debugger: bool) {
        let Some(offset) = self.offset(span) else {
            return;
        };
        let mut locals = Vec::new();
        for scope in self.scopes.iter().rev() {
            if scope.module {
                break;
            }
            for name in scope.names.iter().rev() {
                if locals.len() < MAX_LOCALS && !locals.contains(name) {
                    locals.push(name.clone());
                }
            }
        }
        self.found.push(Found {
            offset,
            locals,
            debugger,
        });
    }

    fn with_scope(&mut self, names: Vec<String>, module: bool, f: impl FnOnce(&mut Self)) {
        self.scopes.push(Scope { names, module });
        f(self);
        self.scopes.pop();
    }
}

/// Whether a statement runs (and so gets a site), and whether to look inside it.
enum Kind {
    Site { debugger: bool },
    Inside,
    Skip,
}

fn decl_kind(decl: &Decl) -> Kind {
    match decl {
        Decl::Fn(_) => Kind::Inside,
        Decl::TsInterface(_) | Decl::TsTypeAlias(_) => Kind::Skip,
        Decl::TsModule(m) if m.declare => Kind::Skip,
        Decl::TsModule(_) => Kind::Inside,
        Decl::TsEnum(e) if e.declare => Kind::Skip,
        Decl::Var(v) if v.declare => Kind::Skip,
        Decl::Class(c) if c.declare => Kind::Skip,
        // A site between a decorator and its class would not parse.
        Decl::Class(c) if !c.class.decorators.is_empty() => Kind::Inside,
        _ => Kind::Site { debugger: false },
    }
}

fn stmt_kind(stmt: &Stmt) -> Kind {
    match stmt {
        Stmt::Decl(d) => decl_kind(d),
        Stmt::Empty(_) => Kind::Skip,
        // Directives ("use strict") must stay first; they do nothing else.
        Stmt::Expr(e) if matches!(&*e.expr, Expr::Lit(Lit::Str(_))) => Kind::Skip,
        Stmt::Debugger(_) => Kind::Site { debugger: true },
        _ => Kind::Site { debugger: false },
    }
}

fn pat_names(pat: &Pat, out: &mut Vec<String>) {
    match pat {
        Pat::Ident(b) => out.push(b.id.sym.to_string()),
        Pat::Array(a) => a.elems.iter().flatten().for_each(|p| pat_names(p, out)),
        Pat::Object(o) => {
            for prop in &o.props {
                match prop {
                    ObjectPatProp::KeyValue(kv) => pat_names(&kv.value, out),
                    ObjectPatProp::Assign(a) => out.push(a.key.sym.to_string()),
                    ObjectPatProp::Rest(r) => pat_names(&r.arg, out),
                }
            }
        }
        Pat::Rest(r) => pat_names(&r.arg, out),
        Pat::Assign(a) => pat_names(&a.left, out),
        Pat::Expr(_) | Pat::Invalid(_) => {}
    }
}

fn decl_names(decl: &Decl, out: &mut Vec<String>) {
    match decl {
        Decl::Var(v) if !v.declare => v.decls.iter().for_each(|d| pat_names(&d.name, out)),
        Decl::Fn(f) if !f.declare => out.push(f.ident.sym.to_string()),
        Decl::Class(c) if !c.declare => out.push(c.ident.sym.to_string()),
        Decl::TsEnum(e) if !e.declare => out.push(e.id.sym.to_string()),
        Decl::Using(u) => u.decls.iter().for_each(|d| pat_names(&d.name, out)),
        _ => {}
    }
}

fn stmts_names<'s>(stmts: impl Iterator<Item = &'s Stmt>) -> Vec<String> {
    let mut names = Vec::new();
    for stmt in stmts {
        if let Stmt::Decl(d) = stmt {
            decl_names(d, &mut names);
        }
    }
    names
}

impl Visit for SiteFinder<'_> {
    fn visit_module_items(&mut self, items: &[ModuleItem]) {
        let mut names = Vec::new();
        for item in items {
            match item {
                ModuleItem::Stmt(Stmt::Decl(d)) => decl_names(d, &mut names),
                ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => {
                    decl_names(&e.decl, &mut names)
                }
                ModuleItem::ModuleDecl(ModuleDecl::Import(i)) if !i.type_only => {
                    for s in &i.specifiers {
                        let local = match s {
                            ImportSpecifier::Named(n) if !n.is_type_only => &n.local,
                            ImportSpecifier::Named(_) => continue,
                            ImportSpecifier::Default(d) => &d.local,
                            ImportSpecifier::Namespace(n) => &n.local,
                        };
                        names.push(local.sym.to_string());
                    }
                }
                _ => {}
            }
        }
        // The module's own top level (not a namespace body) is the module scope.
        let module = self.scopes.is_empty();
        if module {
            self.module_names = names.clone();
        }
        self.with_scope(names, module, |this| {
            for item in items {
                match item {
                    ModuleItem::Stmt(stmt) => this.statement(stmt, stmt.span()),
                    ModuleItem::ModuleDecl(decl) => match decl {
                        ModuleDecl::ExportDecl(e) => match decl_kind(&e.decl) {
                            Kind::Site { debugger } => {
                                this.site(e.span, debugger);
                                e.visit_with(this);
                            }
                            Kind::Inside => e.visit_with(this),
                            Kind::Skip => {}
                        },
                        ModuleDecl::ExportDefaultExpr(e) => {
                            this.site(e.span, false);
                            e.visit_with(this);
                        }
                        ModuleDecl::ExportDefaultDecl(e) => e.visit_with(this),
                        _ => {}
                    },
                }
            }
        });
    }

    fn visit_stmts(&mut self, stmts: &[Stmt]) {
        let names = stmts_names(stmts.iter());
        self.with_scope(names, false, |this| {
            for stmt in stmts {
                this.statement(stmt, stmt.span());
            }
        });
    }

    fn visit_function(&mut self, f: &Function) {
        let mut names = Vec::new();
        for p in &f.params {
            pat_names(&p.pat, &mut names);
        }
        self.with_scope(names, false, |this| f.visit_children_with(this));
    }

    fn visit_constructor(&mut self, c: &Constructor) {
        let mut names = Vec::new();
        for p in &c.params {
            match p {
                ParamOrTsParamProp::Param(p) => pat_names(&p.pat, &mut names),
                ParamOrTsParamProp::TsParamProp(p) => match &p.param {
                    TsParamPropParam::Ident(b) => names.push(b.id.sym.to_string()),
                    TsParamPropParam::Assign(a) => pat_names(&a.left, &mut names),
                },
            }
        }
        self.with_scope(names, false, |this| c.visit_children_with(this));
    }

    fn visit_arrow_expr(&mut self, a: &ArrowExpr) {
        let mut names = Vec::new();
        for p in &a.params {
            pat_names(p, &mut names);
        }
        self.with_scope(names, false, |this| a.visit_children_with(this));
    }

    fn visit_for_stmt(&mut self, s: &ForStmt) {
        let mut names = Vec::new();
        if let Some(VarDeclOrExpr::VarDecl(v)) = &s.init {
            v.decls.iter().for_each(|d| pat_names(&d.name, &mut names));
        }
        self.with_scope(names, false, |this| s.visit_children_with(this));
    }

    fn visit_for_of_stmt(&mut self, s: &ForOfStmt) {
        let mut names = Vec::new();
        if let ForHead::VarDecl(v) = &s.left {
            v.decls.iter().for_each(|d| pat_names(&d.name, &mut names));
        }
        self.with_scope(names, false, |this| s.visit_children_with(this));
    }

    fn visit_for_in_stmt(&mut self, s: &ForInStmt) {
        let mut names = Vec::new();
        if let ForHead::VarDecl(v) = &s.left {
            v.decls.iter().for_each(|d| pat_names(&d.name, &mut names));
        }
        self.with_scope(names, false, |this| s.visit_children_with(this));
    }

    fn visit_catch_clause(&mut self, c: &CatchClause) {
        let mut names = Vec::new();
        if let Some(p) = &c.param {
            pat_names(p, &mut names);
        }
        self.with_scope(names, false, |this| c.visit_children_with(this));
    }

    fn visit_ts_module_decl(&mut self, m: &TsModuleDecl) {
        if !m.declare {
            m.visit_children_with(self);
        }
    }
}

impl SiteFinder<'_> {
    fn statement(&mut self, stmt: &Stmt, span: deno_ast::swc::common::Span) {
        match stmt_kind(stmt) {
            Kind::Site { debugger } => {
                self.site(span, debugger);
                stmt.visit_with(self);
            }
            Kind::Inside => stmt.visit_with(self),
            Kind::Skip => {}
        }
    }
}

/// A function of a module, for coverage: its name, the 1-based line it starts on, and
/// where its first statement with a site is (`None` for a function without one: an
/// expression-bodied arrow or an empty body, which coverage cannot count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FunctionInfo {
    pub name: String,
    /// 1-based line and column (UTF-16 units) where it starts.
    pub line: u32,
    pub column: u32,
    pub first_site: Option<(u32, u32)>,
}

/// The functions of `text` (the original source, as [`instrument`] saw it), in source
/// order. Names: the declared name, else the variable, property or method it is assigned
/// to (`Class.method` in a class), else `(anonymous L:C)`; a repeated name gets ` (L:C)`.
pub(crate) fn functions(
    specifier: &ModuleSpecifier,
    text: &str,
    media_type: MediaType,
) -> Result<Vec<FunctionInfo>, String> {
    let parsed = crate::isolate::loader::parse(specifier, text, media_type)?;
    let mut finder = FunctionFinder {
        sites: SiteFinder {
            text,
            start: parsed.range().start,
            found: Vec::new(),
            scopes: Vec::new(),
            module_names: Vec::new(),
        },
        class: Vec::new(),
        out: Vec::new(),
    };
    parsed.program_ref().visit_with(&mut finder);
    let mut out = finder.out;
    out.sort_by_key(|(offset, _)| *offset);
    let mut seen = std::collections::HashMap::new();
    for (_, f) in &out {
        *seen.entry(f.name.clone()).or_insert(0u32) += 1;
    }
    Ok(out
        .into_iter()
        .map(|(_, mut f)| {
            if seen.get(&f.name).is_some_and(|n| *n > 1) {
                f.name = format!("{} ({}:{})", f.name, f.line, f.column);
            }
            f
        })
        .collect())
}

struct FunctionFinder<'a> {
    /// For offsets and line/column conversion.
    sites: SiteFinder<'a>,
    /// Enclosing class names, innermost last.
    class: Vec<String>,
    out: Vec<(usize, FunctionInfo)>,
}

fn prop_name(key: &PropName) -> Option<String> {
    match key {
        PropName::Ident(i) => Some(i.sym.to_string()),
        PropName::Str(s) => Some(s.value.to_string_lossy().into_owned()),
        PropName::Num(n) => Some(n.value.to_string()),
        _ => None,
    }
}

impl FunctionFinder<'_> {
    /// Records a function starting at `span` with these body statements.
    fn record(
        &mut self,
        name: Option<String>,
        span: deno_ast::swc::common::Span,
        body: Option<&[Stmt]>,
    ) {
        let Some(offset) = self.sites.offset(span) else {
            return;
        };
        let (line, column) = line_col(self.sites.text, offset);
        let first_site = body.and_then(|stmts| {
            stmts.iter().find_map(|stmt| match stmt_kind(stmt) {
                Kind::Site { .. } => self
                    .sites
                    .offset(stmt.span())
                    .map(|o| line_col(self.sites.text, o)),
                Kind::Inside | Kind::Skip => None,
            })
        });
        let name = match name {
            Some(n) => match self.class.last() {
                Some(c) => format!("{c}.{n}"),
                None => n,
            },
            None => format!("(anonymous {line}:{column})"),
        };
        self.out.push((
            offset,
            FunctionInfo {
                name,
                line,
                column,
                first_site,
            },
        ));
    }

    fn function(&mut self, name: Option<String>, f: &Function) {
        self.record(name, f.span, f.body.as_ref().map(|b| &b.stmts[..]));
        f.visit_children_with(self);
    }

    fn arrow(&mut self, name: Option<String>, a: &ArrowExpr) {
        let body = match &*a.body {
            BlockStmtOrExpr::BlockStmt(b) => Some(&b.stmts[..]),
            BlockStmtOrExpr::Expr(_) => None,
        };
        self.record(name, a.span, body);
        a.visit_children_with(self);
    }

    /// A function or arrow assigned to `name`, else the expression visited as usual.
    fn named_expr(&mut self, name: Option<String>, e: &Expr) {
        match e {
            Expr::Fn(f) => {
                let own = f.ident.as_ref().map(|i| i.sym.to_string());
                self.function(own.or(name), &f.function);
            }
            Expr::Arrow(a) => self.arrow(name, a),
            Expr::Paren(p) => self.named_expr(name, &p.expr),
            other => other.visit_with(self),
        }
    }
}

impl Visit for FunctionFinder<'_> {
    fn visit_fn_decl(&mut self, f: &FnDecl) {
        if !f.declare {
            self.function(Some(f.ident.sym.to_string()), &f.function);
        }
    }

    fn visit_fn_expr(&mut self, f: &FnExpr) {
        self.function(f.ident.as_ref().map(|i| i.sym.to_string()), &f.function);
    }

    fn visit_arrow_expr(&mut self, a: &ArrowExpr) {
        self.arrow(None, a);
    }

    fn visit_export_default_decl(&mut self, d: &ExportDefaultDecl) {
        match &d.decl {
            DefaultDecl::Fn(f) => {
                let name = f
                    .ident
                    .as_ref()
                    .map_or("default".to_string(), |i| i.sym.to_string());
                self.function(Some(name), &f.function);
            }
            other => other.visit_with(self),
        }
    }

    fn visit_var_declarator(&mut self, d: &VarDeclarator) {
        let name = match &d.name {
            Pat::Ident(b) => Some(b.id.sym.to_string()),
            _ => None,
        };
        d.name.visit_with(self);
        if let Some(init) = &d.init {
            self.named_expr(name, init);
        }
    }

    fn visit_key_value_prop(&mut self, p: &KeyValueProp) {
        p.key.visit_with(self);
        self.named_expr(prop_name(&p.key), &p.value);
    }

    fn visit_method_prop(&mut self, m: &MethodProp) {
        self.function(prop_name(&m.key), &m.function);
    }

    fn visit_getter_prop(&mut self, g: &GetterProp) {
        let name = prop_name(&g.key).map(|n| format!("get {n}"));
        self.record(name, g.span, g.body.as_ref().map(|b| &b.stmts[..]));
        g.visit_children_with(self);
    }

    fn visit_setter_prop(&mut self, s: &SetterProp) {
        let name = prop_name(&s.key).map(|n| format!("set {n}"));
        self.record(name, s.span, s.body.as_ref().map(|b| &b.stmts[..]));
        s.visit_children_with(self);
    }

    fn visit_class_decl(&mut self, c: &ClassDecl) {
        if c.declare {
            return;
        }
        self.class.push(c.ident.sym.to_string());
        c.class.visit_with(self);
        self.class.pop();
    }

    fn visit_class_expr(&mut self, c: &ClassExpr) {
        let name = c
            .ident
            .as_ref()
            .map_or("(anonymous class)".to_string(), |i| i.sym.to_string());
        self.class.push(name);
        c.class.visit_with(self);
        self.class.pop();
    }

    fn visit_class_method(&mut self, m: &ClassMethod) {
        let name = prop_name(&m.key).map(|n| match m.kind {
            MethodKind::Getter => format!("get {n}"),
            MethodKind::Setter => format!("set {n}"),
            MethodKind::Method => n,
        });
        self.function(name, &m.function);
    }

    fn visit_private_method(&mut self, m: &PrivateMethod) {
        self.function(Some(format!("#{}", m.key.name)), &m.function);
    }

    fn visit_class_prop(&mut self, p: &ClassProp) {
        if let Some(v) = &p.value {
            self.named_expr(prop_name(&p.key), v);
        }
    }

    fn visit_constructor(&mut self, c: &Constructor) {
        self.record(
            Some("constructor".to_string()),
            c.span,
            c.body.as_ref().map(|b| &b.stmts[..]),
        );
        c.visit_children_with(self);
    }

    fn visit_ts_module_decl(&mut self, m: &TsModuleDecl) {
        if !m.declare {
            m.visit_children_with(self);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str, media: MediaType) -> Instrumented {
        let url = ModuleSpecifier::parse("file:///p/main.ts").unwrap();
        instrument(&url, src, media, 0).unwrap()
    }

    #[test]
    fn sites_go_before_statements_that_run_and_keep_lines() {
        let src = "\"use strict\";\ninterface A { x: number }\nconst a = 1;\nfunction f(p: number) {\n  let q = p + a;\n  return q;\n}\nexport default { f };\n";
        let out = run(src, MediaType::TypeScript);
        let lines: Vec<(u32, u32)> = out.sites.iter().map(|s| (s.line, s.column)).collect();
        assert_eq!(lines, [(3, 1), (5, 3), (6, 3), (8, 1)]);
        assert_eq!(out.code.lines().count(), src.lines().count());
        assert!(out.code.starts_with("\"use strict\";"));
        assert_eq!(out.sites[2].locals, ["q", "p"]);
        assert_eq!(out.module_names, ["a", "f"]);
        // The instrumented TypeScript still transpiles.
        let url = ModuleSpecifier::parse("file:///p/main.ts").unwrap();
        crate::isolate::loader::transpile_ts(&url, out.code.clone(), MediaType::TypeScript)
            .unwrap();
    }

    #[test]
    fn braceless_bodies_and_ambient_declarations_are_left_alone() {
        let src = "declare namespace N { const x: number; }\nif (true) console.log(1);\nfor (const i of [1]) { debugger; }\n";
        let out = run(src, MediaType::TypeScript);
        let got: Vec<(u32, bool)> = out.sites.iter().map(|s| (s.line, s.debugger)).collect();
        assert_eq!(got, [(2, false), (3, false), (3, true)]);
        assert_eq!(out.sites[2].locals, ["i"]);
    }

    #[test]
    fn functions_are_named_and_point_at_their_first_statement() {
        let src = "function f(a: number) {\n  function inner() { return 1; }\n  return a;\n}\nconst g = (x) => x;\nconst h = async () => {\n  await 0;\n};\nclass C {\n  m() { return 2; }\n  constructor() {}\n}\nexport default { init() { f(1); }, k: function () { return 3; } };\nfunction f() { return 4; }\ndeclare function d(): void;\n";
        let url = ModuleSpecifier::parse("file:///p/main.ts").unwrap();
        let got: Vec<(String, u32, Option<(u32, u32)>)> =
            functions(&url, src, MediaType::TypeScript)
                .unwrap()
                .into_iter()
                .map(|f| (f.name, f.line, f.first_site))
                .collect();
        let want: Vec<(String, u32, Option<(u32, u32)>)> = vec![
            ("f (1:1)".into(), 1, Some((3, 3))),
            ("inner".into(), 2, Some((2, 22))),
            ("g".into(), 5, None),
            ("h".into(), 6, Some((7, 3))),
            ("C.m".into(), 10, Some((10, 9))),
            ("C.constructor".into(), 11, None),
            ("init".into(), 13, Some((13, 27))),
            ("k".into(), 13, Some((13, 53))),
            ("f (14:1)".into(), 14, Some((14, 16))),
        ];
        assert_eq!(got, want);
        // Every first statement is a site of the instrumented module.
        let sites: Vec<(u32, u32)> = run(src, MediaType::TypeScript)
            .sites
            .iter()
            .map(|s| (s.line, s.column))
            .collect();
        for (name, _, first) in &want {
            if let Some(first) = first {
                assert!(sites.contains(first), "{name}: {first:?} not in {sites:?}");
            }
        }
    }

    #[test]
    fn columns_shift_back_to_the_original() {
        let src = "let a = 1; let b = f(a);\n";
        let out = run(src, MediaType::JavaScript);
        assert_eq!(out.sites.len(), 2);
        let hook0 = out.shifts.0[&1][0].1;
        let hook1 = out.shifts.0[&1][1].1;
        // `f(a)` is at column 20 in the original.
        let instrumented = 20 + hook0 + hook1;
        assert_eq!(&out.code[(instrumented - 1) as usize..][..4], "f(a)");
        assert_eq!(out.shifts.original_column(1, instrumented), 20);
        // A column inside a hook is the statement it stands before.
        assert_eq!(out.shifts.original_column(1, 3), 1);
        assert_eq!(out.shifts.original_column(2, 7), 7);
    }
}
