//! Spark spellings that DataFusion's SQL planner rejects, or plans under
//! another name, before any extension point sees them; rewritten in the
//! text or in the parsed statement.
//!
//! - `genotypes[1].calls` and `element_at(genotypes, 1).sampleId` (a field
//!   after an index or a function call) parse as a field access whose field
//!   is an identifier, which DataFusion 55 plans only when it is a string:
//!   `genotypes[1]['calls']`. The rewrite makes every such identifier a
//!   string. A dot between plain identifiers (`t.genotypes`, `g.calls`) is
//!   a column or struct path that DataFusion resolves itself and is left
//!   alone.
//! - A generator's columns must have their names when the query is
//!   planned, so that an outer query can use them: `posexplode(x)` becomes
//!   the two items `posexplode(x)['pos'] AS pos, posexplode(x)['col'] AS
//!   col` (Spark's `AS (p, c)` names them), and an unnamed `explode(x)`
//!   becomes `explode(x) AS col`. The analyzer rule of
//!   [`generator`](super::generator) turns them into one unnest.
//! - Glow's `end` column: the generic dialect allows a trailing comma in a
//!   SELECT list, so `SELECT start, end FROM t` ends the list at the
//!   keyword `END` and fails. An unquoted `end` right after a comma is
//!   quoted before parsing ([`quote_end_after_comma`]); no SQL has the
//!   keyword `END` there.

use std::borrow::Cow;
use std::ops::ControlFlow;

use datafusion::sql::parser::{CopyToSource, Statement};
use datafusion::sql::sqlparser::ast::{
    AccessExpr, Expr, FunctionArguments, Ident, Query, SelectItem, SetExpr, Value, VisitMut,
    VisitorMut, visit_expressions_mut,
};
use datafusion::sql::sqlparser::dialect::Dialect;
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

/// Rewrites Spark's field access after an index, and names the columns of
/// generators, in `statement`.
pub(crate) fn rewrite(statement: &mut Statement) {
    match statement {
        Statement::Statement(statement) => visit(statement.as_mut()),
        Statement::Explain(explain) => rewrite(&mut explain.statement),
        Statement::CopyTo(copy) => {
            if let CopyToSource::Query(query) = &mut copy.source {
                visit(query.as_mut());
            }
        }
        Statement::CreateExternalTable(_) | Statement::Reset(_) => {}
    }
}

fn visit<V: VisitMut>(node: &mut V) {
    let _ = visit_expressions_mut(node, |expr| {
        field_after_index(expr);
        ControlFlow::<()>::Continue(())
    });
    let _ = node.visit(&mut NameGenerators);
}

fn field_after_index(expr: &mut Expr) {
    let Expr::CompoundFieldAccess { root, access_chain } = expr else {
        return;
    };
    let mut after_index = !matches!(root.as_ref(), Expr::Identifier(_));
    for access in access_chain.iter_mut() {
        match access {
            AccessExpr::Dot(Expr::Identifier(ident)) if after_index => {
                *access = AccessExpr::Dot(string(&ident.value));
            }
            AccessExpr::Dot(Expr::Identifier(_)) => {}
            _ => after_index = true,
        }
    }
}

fn string(s: &str) -> Expr {
    Expr::Value(Value::SingleQuotedString(s.to_string()).with_empty_span())
}

/// Names the columns of every generator that is a whole SELECT item.
struct NameGenerators;

impl VisitorMut for NameGenerators {
    type Break = ();

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        name_generators(query.body.as_mut());
        ControlFlow::Continue(())
    }
}

fn name_generators(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select)
            if select
                .projection
                .iter()
                .any(|item| generator_item(item).is_some()) =>
        {
            let items = std::mem::take(&mut select.projection);
            select.projection = items.into_iter().flat_map(name_generator).collect();
        }
        SetExpr::SetOperation { left, right, .. } => {
            name_generators(left);
            name_generators(right);
        }
        // A nested query is visited on its own.
        _ => {}
    }
}

/// The generator a SELECT item calls at its top, lower-cased, if any.
fn generator_item(item: &SelectItem) -> Option<&'static str> {
    let (SelectItem::UnnamedExpr(Expr::Function(call))
    | SelectItem::ExprWithAliases {
        expr: Expr::Function(call),
        ..
    }) = item
    else {
        return None;
    };
    let [name] = call.name.0.as_slice() else {
        return None;
    };
    let name = name.as_ident()?.value.to_ascii_lowercase();
    let is_call = matches!(&call.args, FunctionArguments::List(list) if list.args.len() == 1)
        && call.over.is_none()
        && call.filter.is_none();
    if !is_call {
        return None;
    }
    ["explode", "explode_outer", "posexplode", "posexplode_outer"]
        .into_iter()
        .find(|g| *g == name)
}

/// `explode(x)` → `explode(x) AS col`; `posexplode(x)` →
/// `posexplode(x)['pos'] AS pos, posexplode(x)['col'] AS col`, with the
/// names of `AS (...)` when given. Another number of names than columns is
/// left for the planner to refuse.
fn name_generator(item: SelectItem) -> Vec<SelectItem> {
    let Some(generator) = generator_item(&item) else {
        return vec![item];
    };
    let (expr, aliases) = match item {
        SelectItem::UnnamedExpr(expr) => (expr, None),
        SelectItem::ExprWithAliases { expr, aliases } => (expr, Some(aliases)),
        other => return vec![other],
    };
    let columns: &[&str] = if generator.starts_with("pos") {
        &["pos", "col"]
    } else {
        &["col"]
    };
    let aliases = match aliases {
        None => columns.iter().map(|c| Ident::new(*c)).collect(),
        Some(aliases) if aliases.len() == columns.len() => aliases,
        Some(aliases) => return vec![SelectItem::ExprWithAliases { expr, aliases }],
    };
    if columns.len() == 1 {
        let alias = aliases
            .into_iter()
            .next()
            .unwrap_or_else(|| Ident::new("col"));
        return vec![SelectItem::ExprWithAlias { expr, alias }];
    }
    columns
        .iter()
        .zip(aliases)
        .map(|(column, alias)| SelectItem::ExprWithAlias {
            expr: Expr::CompoundFieldAccess {
                root: Box::new(expr.clone()),
                access_chain: vec![AccessExpr::Dot(string(column))],
            },
            alias,
        })
        .collect()
}

/// `sql` with every unquoted `end` that directly follows a comma quoted as
/// an identifier, when `dialect` lets a SELECT list end with a comma (the
/// generic one does): there the parser takes `, end` for a trailing comma
/// before the keyword `END`. `normalize` says whether unquoted identifiers
/// are lower-cased (`datafusion.sql_parser.enable_ident_normalization`), so
/// the quoted name is the one the unquoted one meant.
///
/// Text that does not tokenize is returned unchanged, for the parser to
/// report.
pub(crate) fn quote_end_after_comma<'a>(
    sql: &'a str,
    dialect: &dyn Dialect,
    normalize: bool,
) -> Cow<'a, str> {
    if !dialect.supports_projection_trailing_commas() {
        return Cow::Borrowed(sql);
    }
    let quote = ['"', '`']
        .into_iter()
        .find(|q| dialect.is_delimited_identifier_start(*q));
    let (Some(quote), Ok(tokens)) = (quote, Tokenizer::new(dialect, sql).tokenize_with_location())
    else {
        return Cow::Borrowed(sql);
    };
    let mut ends = Vec::new();
    let mut after_comma = false;
    for token in &tokens {
        match &token.token {
            Token::Whitespace(_) => continue,
            Token::Word(word)
                if after_comma && word.keyword == Keyword::END && word.quote_style.is_none() =>
            {
                if let Some(offset) =
                    byte_offset(sql, token.span.start.line, token.span.start.column)
                    && sql[offset..].get(..word.value.len()) == Some(word.value.as_str())
                {
                    ends.push((offset, word.value.as_str()));
                }
            }
            _ => {}
        }
        after_comma = token.token == Token::Comma;
    }
    if ends.is_empty() {
        return Cow::Borrowed(sql);
    }
    let mut quoted = String::with_capacity(sql.len() + 2 * ends.len());
    let mut copied = 0;
    for (offset, word) in ends {
        quoted.push_str(&sql[copied..offset]);
        let name = if normalize {
            Cow::Owned(word.to_lowercase())
        } else {
            Cow::Borrowed(word)
        };
        quoted.push(quote);
        quoted.push_str(&name);
        quoted.push(quote);
        copied = offset + word.len();
    }
    quoted.push_str(&sql[copied..]);
    Cow::Owned(quoted)
}

/// The byte offset of the tokenizer's 1-based `line` and `column` (lines
/// end at `\n`, columns count characters).
fn byte_offset(sql: &str, line: u64, column: u64) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        let skip = usize::try_from(line - 2).ok()?;
        sql.match_indices('\n').nth(skip)?.0 + 1
    };
    let column = usize::try_from(column.checked_sub(1)?).ok()?;
    let rest = &sql[line_start..];
    rest.char_indices().nth(column).map(|(i, _)| line_start + i)
}

#[cfg(test)]
mod tests {
    use datafusion::sql::sqlparser::dialect::{GenericDialect, SparkSqlDialect};

    use super::*;

    #[test]
    fn end_after_a_comma_is_quoted_in_the_generic_dialect() {
        let cases = [
            ("SELECT start, end FROM t", "SELECT start, \"end\" FROM t"),
            (
                "SELECT a,\n  end - start AS n, END FROM t",
                "SELECT a,\n  \"end\" - start AS n, \"END\" FROM t",
            ),
            ("SELECT é, end", "SELECT é, \"end\""),
            // Already quoted, a CASE's END, the first item: unchanged.
            ("SELECT a, \"end\", `end`", "SELECT a, \"end\", `end`"),
            (
                "SELECT CASE WHEN a THEN 1 END, end FROM t",
                "SELECT CASE WHEN a THEN 1 END, \"end\" FROM t",
            ),
            ("SELECT end, start FROM t", "SELECT end, start FROM t"),
            ("SELECT 'a, end', start", "SELECT 'a, end', start"),
        ];
        for (sql, expected) in cases {
            assert_eq!(quote_end_after_comma(sql, &GenericDialect, false), expected);
        }
        assert_eq!(
            quote_end_after_comma("SELECT a, END", &GenericDialect, true),
            "SELECT a, \"end\""
        );
        // Spark's dialect has no trailing comma, so nothing to do.
        assert_eq!(
            quote_end_after_comma("SELECT a, end", &SparkSqlDialect {}, false),
            "SELECT a, end"
        );
    }
}
