//! Spark spellings that DataFusion's SQL planner rejects before any
//! extension point sees them, rewritten in the parsed statement.
//!
//! `genotypes[1].calls` and `element_at(genotypes, 1).sampleId` (a field
//! after an index or a function call) parse as a field access whose field
//! is an identifier, which DataFusion 55 plans only when it is a string:
//! `genotypes[1]['calls']`. The rewrite makes every such identifier a
//! string. A dot between plain identifiers (`t.genotypes`, `g.calls`) is a
//! column or struct path that DataFusion resolves itself and is left alone.

use std::ops::ControlFlow;

use datafusion::sql::parser::{CopyToSource, Statement};
use datafusion::sql::sqlparser::ast::{AccessExpr, Expr, Value, VisitMut, visit_expressions_mut};

/// Rewrites Spark's field access after an index in `statement`.
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
}

fn field_after_index(expr: &mut Expr) {
    let Expr::CompoundFieldAccess { root, access_chain } = expr else {
        return;
    };
    let mut after_index = !matches!(root.as_ref(), Expr::Identifier(_));
    for access in access_chain.iter_mut() {
        match access {
            AccessExpr::Dot(Expr::Identifier(ident)) if after_index => {
                let name = Value::SingleQuotedString(ident.value.clone()).with_empty_span();
                *access = AccessExpr::Dot(Expr::Value(name));
            }
            AccessExpr::Dot(Expr::Identifier(_)) => {}
            _ => after_index = true,
        }
    }
}
