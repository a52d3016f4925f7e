//! Glow's struct, vector, matrix and array helpers against Glow's own
//! expectations: the examples of Glow's function manifest (`functions.yml`)
//! and the cases of its test suite (`VariantUtilExprsSuite.scala`), each
//! quoted beside its check.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type};

use crate::docs::rendered;

fn session() -> datafusion::prelude::SessionContext {
    genolake_sql::SessionBuilder::new()
        .target_partitions(2)
        .build()
}

async fn query(sql: &str) -> Vec<RecordBatch> {
    genolake_sql::run_sql(&session(), sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .batches
}

async fn rows(sql: &str) -> Vec<String> {
    rendered(&query(sql).await)
}

async fn error(sql: &str) -> String {
    match genolake_sql::run_sql(&session(), sql).await {
        Ok(_) => panic!("{sql} ran"),
        Err(e) => e.to_string(),
    }
}

/// Glow's `Inner(one = 1, two = "monkey")`.
const INNER: &str = "named_struct('one', arrow_cast(1, 'Int32'), 'two', 'monkey')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_struct_fields_appends_fields_as_glow_does() {
    // Glow, "add struct field has correct schema": one Int, two String,
    // number Int, string String.
    let batches = query(&format!(
        "SELECT add_struct_fields({INNER}, 'number', arrow_cast(1, 'Int32'), 'string', 'blah') AS s"
    ))
    .await;
    let DataType::Struct(fields) = batches[0].schema().field(0).data_type().clone() else {
        panic!("not a struct")
    };
    let names: Vec<(&str, &DataType)> = fields
        .iter()
        .map(|f| (f.name().as_str(), f.data_type()))
        .collect();
    assert_eq!(
        names,
        [
            ("one", &DataType::Int32),
            ("two", &DataType::Utf8),
            ("number", &DataType::Int32),
            ("string", &DataType::Utf8)
        ]
    );
    // Glow, "add struct field has correct values": expand_struct of the
    // added struct is BigInner(1, "monkey", 3.14159, true).
    assert_eq!(
        rows(&format!(
            "SELECT expand_struct(add_struct_fields({INNER}, 'three', 3.14159, 'four', true))"
        ))
        .await,
        ["1 | monkey | 3.14159 | true"]
    );
    // functions.yml: add_struct_fields(Row(a=1), 'b', 2) = Row(a=1, b=2).
    assert_eq!(
        rows("SELECT add_struct_fields(named_struct('a', 1), 'b', 2)").await,
        ["{a: 1, b: 2}"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subset_struct_keeps_the_named_fields_in_order() {
    // Glow, "subset struct": BigInner(1, "monkey", 2.5, false) subset to
    // one and three has schema (one Int, three Double) and value Row(1, 2.5).
    let big =
        "named_struct('one', arrow_cast(1, 'Int32'), 'two', 'monkey', 'three', 2.5, 'four', false)";
    let batches = query(&format!("SELECT subset_struct({big}, 'one', 'three') AS s")).await;
    let DataType::Struct(fields) = batches[0].schema().field(0).data_type().clone() else {
        panic!("not a struct")
    };
    let names: Vec<(&str, &DataType)> = fields
        .iter()
        .map(|f| (f.name().as_str(), f.data_type()))
        .collect();
    assert_eq!(
        names,
        [("one", &DataType::Int32), ("three", &DataType::Float64)]
    );
    assert_eq!(rendered(&batches), ["{one: 1, three: 2.5}"]);
    // functions.yml: subset_struct(Row(a=1, b=2, c=3), 'a', 'c') = Row(a=1, c=3).
    assert_eq!(
        rows("SELECT subset_struct(named_struct('a', 1, 'b', 2, 'c', 3), 'c', 'a')").await,
        ["{c: 3, a: 1}"]
    );
    // A field of a null struct is null, the struct is not (Spark's
    // named_struct of s.a).
    assert_eq!(
        rows(
            "SELECT subset_struct(s, 'a') AS s FROM (VALUES (named_struct('a', 1, 'b', 2)), (NULL)) AS t(s)"
        )
        .await,
        ["{a: 1}", "{a: NULL}"]
    );
    let err = error("SELECT subset_struct(named_struct('a', 1), 'z')").await;
    assert!(err.contains("no field 'z'") && err.contains("a"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expand_struct_makes_columns_and_nothing_else() {
    // Glow, "expand struct scala": Inner(1, "two") expands to columns one, two.
    let batches = query("SELECT expand_struct(named_struct('one', 1, 'two', 'two'))").await;
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["one", "two"]);
    assert_eq!(rendered(&batches), ["1 | two"]);
    // functions.yml: expand_struct(array_summary_stats([1, 2, 3])) =
    // Row(mean=2.0, stdDev=1.0, min=1.0, max=3.0), and the variant QC
    // examples through expand_struct.
    assert_eq!(
        rows("SELECT expand_struct(array_summary_stats([1, 2, 3]))").await,
        ["2.0 | 1.0 | 1.0 | 3.0"]
    );
    let genotypes = "[named_struct('calls', [0, 0]), named_struct('calls', [1, 0]), named_struct('calls', [1, 1])]";
    assert_eq!(
        rows(&format!(
            "SELECT expand_struct(call_summary_stats({genotypes}))"
        ))
        .await,
        ["1.0 | 3 | 0 | 1 | [1, 1] | 2 | 6 | [3, 3] | [0.5, 0.5]"]
    );
    // Glow: [Row(calls=[1, 1]), Row(calls=[1, 0]), Row(calls=[0, 0])] gives
    // hetFreqHwe=0.6, pValueHwe=0.7.
    let batches = query(
        "SELECT * FROM (SELECT expand_struct(hardy_weinberg([named_struct('calls', [1, 1]), \
         named_struct('calls', [1, 0]), named_struct('calls', [0, 0])]))) AS q",
    )
    .await;
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["hetFreqHwe", "pValueHwe"]);
    let value = |i: usize| batches[0].column(i).as_primitive::<Float64Type>().value(0);
    assert!((value(0) - 0.6).abs() < 1e-12 && (value(1) - 0.7).abs() < 1e-12);
    // Beside other columns and through a subquery read with *.
    let file = crate::common::glow("1kg_sample.vcf");
    let batches = query(&format!(
        "SELECT * FROM (SELECT start, expand_struct(call_summary_stats(genotypes)) \
         FROM read_vcf('{file}')) AS q"
    ))
    .await;
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "start",
            "callRate",
            "nCalled",
            "nUncalled",
            "nHet",
            "nHomozygous",
            "nNonRef",
            "nAllelesCalled",
            "alleleCounts",
            "alleleFrequencies"
        ]
    );
    // Selected by name from above, the expanded column is its fields.
    assert_eq!(
        rows("SELECT q FROM (SELECT expand_struct(named_struct('a', 1, 'b', 2)) AS q)").await,
        ["1 | 2"]
    );
    // Glow, "expand struct only works on structs".
    let err = error("SELECT expand_struct(1)").await;
    assert!(
        err.to_lowercase().contains("only structs can be expanded"),
        "{err}"
    );
    // Not a column in a WHERE clause or inside another expression.
    for sql in [
        "SELECT 1 WHERE expand_struct(named_struct('a', 1)) IS NOT NULL",
        "SELECT coalesce(expand_struct(named_struct('a', 1)))",
        "SELECT q['a'] FROM (SELECT expand_struct(named_struct('a', 1)) AS q)",
    ] {
        let err = error(sql).await;
        assert!(err.contains("expand_struct"), "{sql}: {err}");
    }
}

/// Glow's test arrays for the vector round trips.
const ARRAYS: [&str; 4] = [
    "arrow_cast([], 'List(Float64)')",
    "[1.0, 2.0, 3.0]",
    "['Infinity'::double, '-Infinity'::double, 'NaN'::double]",
    "[-1, -1.23, 3.14159]",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vectors_round_trip_as_in_glows_suite() {
    // Glow, "to/from sparse vector" and "to/from dense vector": the vector
    // and the array read back equal the array (NaN equal to NaN).
    for array in ARRAYS {
        let expected = rows(&format!("SELECT {array}")).await;
        for to_vector in ["array_to_sparse_vector", "array_to_dense_vector"] {
            let back = rows(&format!("SELECT vector_to_array({to_vector}({array}))")).await;
            assert_eq!(back, expected, "{to_vector}({array})");
        }
    }
    // Glow, "cast input when converting to vector": an int array.
    assert_eq!(
        rows(
            "SELECT vector_to_array(array_to_sparse_vector(arrow_cast([1, 2, 3], 'List(Int32)')))"
        )
        .await,
        ["[1.0, 2.0, 3.0]"]
    );
    // functions.yml: DenseVector([1.0, 2.0, 3.0]); SparseVector(6, {0: 1.0,
    // 2: 2.0, 4: 3.0}); vector_to_array of SparseVector(3, {0: 1.0, 2: 2.0})
    // and DenseVector([3.0, 4.0]).
    assert_eq!(
        rows("SELECT array_to_dense_vector([1, 2, 3])").await,
        ["{type: 1, size: NULL, indices: NULL, values: [1.0, 2.0, 3.0]}"]
    );
    assert_eq!(
        rows("SELECT array_to_sparse_vector([1, 0, 2, 0, 3, 0])").await,
        ["{type: 0, size: 6, indices: [0, 2, 4], values: [1.0, 2.0, 3.0]}"]
    );
    assert_eq!(
        rows(
            "SELECT vector_to_array(v) FROM (VALUES \
             (named_struct('type', 0, 'size', 3, 'indices', [0, 2], 'values', [1.0, 2.0])), \
             (named_struct('type', 1, 'size', NULL, 'indices', NULL, 'values', [3.0, 4.0]))) AS t(v)"
        )
        .await,
        ["[1.0, 0.0, 2.0]", "[3.0, 4.0]"]
    );
    // Spark ML's struct, field for field.
    let batches = query("SELECT array_to_dense_vector([1.0]) AS v").await;
    assert_eq!(
        batches[0].schema().field(0).data_type(),
        &genolake_sql::vector_type()
    );
    let err = error("SELECT array_to_dense_vector([1.0, NULL])").await;
    assert!(err.contains("null"), "{err}");
    let err = error(
        "SELECT vector_to_array(named_struct('type', 0, 'size', 2, 'indices', [1, 0], 'values', [1.0, 2.0]))",
    )
    .await;
    assert!(err.contains("indices must increase"), "{err}");
}

/// Glow's 4 × 3 matrix of 1..12 in column-major order, as Spark ML stores it
/// dense or sparse, by columns or (transposed) by rows.
const MATRICES: [(&str, &str); 4] = [
    (
        "dense col major",
        "named_struct('type', 1, 'numRows', 4, 'numCols', 3, 'colPtrs', NULL, 'rowIndices', NULL, \
         'values', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'isTransposed', false)",
    ),
    (
        "dense row major",
        "named_struct('type', 1, 'numRows', 4, 'numCols', 3, 'colPtrs', NULL, 'rowIndices', NULL, \
         'values', [1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12], 'isTransposed', true)",
    ),
    (
        "sparse col major",
        "named_struct('type', 0, 'numRows', 4, 'numCols', 3, 'colPtrs', [0, 4, 8, 12], \
         'rowIndices', [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3], \
         'values', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'isTransposed', false)",
    ),
    (
        "sparse row major",
        "named_struct('type', 0, 'numRows', 4, 'numCols', 3, 'colPtrs', [0, 3, 6, 9, 12], \
         'rowIndices', [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], \
         'values', [1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12], 'isTransposed', true)",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explode_matrix_gives_the_rows_glow_gives() {
    // Glow, "explode matrix": every form gives rows (1, 5, 9), (2, 6, 10),
    // (3, 7, 11), (4, 8, 12).
    for (name, matrix) in MATRICES {
        assert_eq!(
            rows(&format!("SELECT explode_matrix({matrix}) AS row")).await,
            [
                "[1.0, 5.0, 9.0]",
                "[2.0, 6.0, 10.0]",
                "[3.0, 7.0, 11.0]",
                "[4.0, 8.0, 12.0]"
            ],
            "{name}"
        );
    }
    // Glow, "explode matrix (null)": no row.
    assert!(rows("SELECT explode_matrix(NULL)").await.is_empty());
    // A sparse matrix with zeros left out: [[0, 2], [3, 0]].
    assert_eq!(
        rows(
            "SELECT explode_matrix(named_struct('type', 0, 'numRows', 2, 'numCols', 2, \
             'colPtrs', [0, 1, 2], 'rowIndices', [1, 0], 'values', [3, 2], 'isTransposed', false))"
        )
        .await,
        ["[0.0, 2.0]", "[3.0, 0.0]"]
    );
    // Other columns repeat on each row; the rows keep their order; a query
    // above reads the column by its name.
    assert_eq!(
        rows(&format!(
            "SELECT k, r FROM (SELECT k, explode_matrix(m) AS r FROM (VALUES ('a', {}), ('b', NULL)) \
             AS t(k, m)) ORDER BY k, r",
            MATRICES[0].1
        ))
        .await,
        [
            "a | [1.0, 5.0, 9.0]",
            "a | [2.0, 6.0, 10.0]",
            "a | [3.0, 7.0, 11.0]",
            "a | [4.0, 8.0, 12.0]"
        ]
    );
    for sql in [
        format!("SELECT 1 WHERE explode_matrix({}) IS NULL", MATRICES[0].1),
        format!(
            "SELECT explode_matrix({0}), explode_matrix({0})",
            MATRICES[0].1
        ),
        format!("SELECT cardinality(explode_matrix({}))", MATRICES[0].1),
    ] {
        let err = error(&sql).await;
        assert!(err.contains("explode_matrix"), "{sql}: {err}");
    }
    let err = error(
        "SELECT explode_matrix(named_struct('type', 1, 'numRows', 2, 'numCols', 2, 'colPtrs', NULL, \
         'rowIndices', NULL, 'values', [1, 2, 3], 'isTransposed', false))",
    )
    .await;
    assert!(err.contains("has 3 values"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn array_quantile_follows_glow_and_numpy() {
    // functions.yml: array_quantile([1, 2, 3, 4, 5], 0.7) = 3.8. Glow's
    // suite: "quantiles respects sorted argument" (1 and 4), "quantiles 0
    // length array" (null), "quantiles 1 length array" (5).
    assert_eq!(
        rows(
            "SELECT array_quantile([1, 2, 3, 4, 5], 0.7), array_quantile([4, 3, 2, 1], 1, true), \
             array_quantile([4, 3, 2, 1], 1, false), array_quantile(arrow_cast([], 'List(Float64)'), 1, true), \
             array_quantile([5], 1, true), array_quantile([5], 0.001, true)"
        )
        .await,
        ["3.8 | 1.0 | 4.0 | NULL | 5.0 | 5.0"]
    );
    // Glow's suite compares with Apache Commons Math's Percentile (R_7),
    // numpy's default: numpy.quantile([0.3, 9.1, -2.0, 4.4, 7.7, 0.05],
    // [0.25, 0.5, 0.75, 0.9, 0.99]) printed
    // [0.1125 2.35 6.875 8.4 9.03] (numpy 2.4.6, method="linear").
    let batches = query(
        "SELECT array_quantile([0.3, 9.1, -2.0, 4.4, 7.7, 0.05], 0.25) AS a, \
         array_quantile([0.3, 9.1, -2.0, 4.4, 7.7, 0.05], 0.5) AS b, \
         array_quantile([0.3, 9.1, -2.0, 4.4, 7.7, 0.05], 0.75) AS c, \
         array_quantile([0.3, 9.1, -2.0, 4.4, 7.7, 0.05], 0.9) AS d, \
         array_quantile([0.3, 9.1, -2.0, 4.4, 7.7, 0.05], 0.99) AS e",
    )
    .await;
    for (i, numpy) in [0.1125, 2.35, 6.875, 8.4, 9.03].into_iter().enumerate() {
        let got = batches[0].column(i).as_primitive::<Float64Type>().value(0);
        assert!(
            (got - numpy).abs() < 1e-12,
            "quantile {i}: {got} vs {numpy}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assert_true_or_error_passes_or_fails_with_the_message() {
    // functions.yml: two rows with v = 1 give [None, None].
    let batches =
        query("SELECT assert_true_or_error(v = 1, 'the value is not one!') AS is_one FROM (VALUES (1), (1)) AS t(v)")
            .await;
    let column = batches[0].column(0);
    assert_eq!((column.len(), column.logical_null_count()), (2, 2));
    let err = error(
        "SELECT assert_true_or_error(v = 1, 'the value is not one!') FROM (VALUES (1), (2)) AS t(v)",
    )
    .await;
    assert!(err.contains("the value is not one!"), "{err}");
    let err = error("SELECT assert_true_or_error(NULL, 'null fails')").await;
    assert!(err.contains("null fails"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comb_gives_the_number_of_genotypes_glows_splitter_needs() {
    // Python's math.comb(n, k) for these pairs printed 1, 3, 6, 10, 0 and
    // 16123801841550; a negative k gives 0 as in Glow (whose log-factorial
    // of a negative number is NaN, cast to 0).
    assert_eq!(
        rows(
            "SELECT comb(2, 2), comb(3, 2), comb(4, 2), comb(5, 2), comb(2, 3), comb(2, -1), comb(47, 23)"
        )
        .await,
        ["1 | 3 | 6 | 10 | 0 | 0 | 16123801841550"]
    );
    let err = error("SELECT comb(200, 100)").await;
    assert!(err.contains("larger than a 64-bit integer"), "{err}");
}
