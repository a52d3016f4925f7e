//! Glow's pipe transformer: rows written to an external command's stdin as
//! text, its stdout read back as a table.
//!
//! [`PipeOptions::from_pairs`] reads Glow's options (`cmd`, a JSON array of
//! strings; `inputFormatter` and `outputFormatter`, each `vcf`, `csv` or
//! `text`; `env_<NAME>` variables; `in_<option>` and `out_<option>` for the
//! formatters). Names are matched as Glow matches them, in camel or snake
//! case (`inVcfHeader` is `in_vcf_header`). A [`Pipe`] runs the command over
//! one partition, as Glow runs it once per Spark partition:
//!
//! - The input batches are written to the command's stdin on a thread of
//!   their own, while another thread copies its stdout to a spool file and
//!   a third keeps the last lines of its stderr (bounded). The command
//!   may stop reading early (`head`): the broken pipe ends the writing and
//!   is no error if the command exits 0, as in Glow.
//! - The output is read once the command has ended, from the spool file:
//!   an exit status other than 0 is an error before any row is returned,
//!   and memory stays bounded by the batch size whatever the output's
//!   size (the disk holds it). [`PipeOutput`] yields the batches.
//! - Spool files are removed however the run ends: the VCF ones are in a
//!   temporary directory removed on drop, the text and CSV one is unlinked
//!   as soon as it is created.
//! - A partition without rows does not run the command (Glow's
//!   `Iterator.empty`): its output has no schema and no rows.
//!
//! # Formatters
//!
//! - `vcf` in: each batch is written by [`genolake_vcf::Writer`] (to a
//!   temporary file, then copied to stdin, one batch at a time; the header
//!   once, before the first record). `in_vcfHeader` is `infer` (a header
//!   from the columns; `in_sampleIds` names the samples, else the first
//!   row's), a header's text (starting with `#`), or the path of a VCF
//!   whose header to use; when it is not given, the header passed to
//!   [`Pipe::run`] (Glow requires the option). Later batches are written
//!   under the first one's header, which is the header sent.
//! - `vcf` out: stdout read by [`genolake_vcf::Reader`] with Glow's output
//!   schema (flattened INFO, sample IDs); `out_validationStringency`
//!   defaults to `strict`, the default of genolake's VCF reader (Glow's is
//!   `SILENT`, its reader's default): a non-strict genolake read adds an
//!   `otherFields` genotype field, so the default keeps `cat`'s output in
//!   the schema a read of the same file has, and output that does not
//!   parse is an error rather than nulls. Empty stdout gives no schema.
//! - `text` in: the table's one string column, a line per non-null value,
//!   after `in_header` when given. `text` out: one [`TEXT_COLUMN`] row per
//!   line of stdout (invalid UTF-8 replaced), the first dropped when
//!   `out_ignoreHeader` is true.
//! - `csv` in and out, with Spark's CSV option names: `sep` (or
//!   `delimiter`, default `,`), `header` (default false), `quote` (`"`;
//!   empty for none), `escape` (`\`), `nullValue` (empty), `comment` (none),
//!   `quoteAll`, `ignoreLeadingWhiteSpace` and `ignoreTrailingWhiteSpace`
//!   (true when writing, false when reading, as in Spark). Out: the columns
//!   are Utf8, named by the first line when `header` is true (an empty or
//!   null name becomes `_c<i>`, a repeated one `<name><i>`), else `_c0`,
//!   `_c1`, ...; empty and comment lines are skipped; a row with fewer
//!   fields is padded with nulls, one with more cut (Spark's permissive
//!   mode); an unquoted field equal to `nullValue` is null.

use std::collections::BTreeMap;
use std::fmt::{self, Display};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use genolake_core::Stringency;
use genolake_vcf::writer::Compression;
use tempfile::TempDir;

use crate::{Error, Result};

/// The column of the `text` output formatter (Glow's name).
pub const TEXT_COLUMN: &str = "text";

/// Bytes of stderr kept: the tail an error message quotes.
const STDERR_TAIL_BYTES: usize = 8 << 10;
/// Lines of that tail an error message quotes.
const STDERR_TAIL_LINES: usize = 20;
/// Rows per batch of text and CSV output, unless [`Pipe::with_batch_size`].
const DEFAULT_BATCH_ROWS: usize = 8192;
/// A text or CSV batch is cut after this many bytes of text, so long lines
/// do not make a batch of thousands of them huge.
const BATCH_TEXT_BYTES: usize = 8 << 20;
/// Buffer between the formatters and the command's stdin.
const STDIN_BUFFER: usize = 64 << 10;

/// The options of a pipe, as Glow names them.
#[derive(Debug, Clone, PartialEq)]
pub struct PipeOptions {
    /// `cmd`: the program and its arguments (no shell).
    pub cmd: Vec<String>,
    /// `inputFormatter` and its `in_` options.
    pub input: InputFormatter,
    /// `outputFormatter` and its `out_` options.
    pub output: OutputFormatter,
    /// `env_<NAME>`: variables added to the command's environment (which is
    /// otherwise this process's), in the order given.
    pub env: Vec<(String, String)>,
}

/// How rows are written to the command's stdin.
#[derive(Debug, Clone, PartialEq)]
pub enum InputFormatter {
    /// `vcf`: VCF text, header first.
    Vcf(VcfInputOptions),
    /// `text`: one line per value of the table's single string column.
    Text(TextInputOptions),
    /// `csv`: one CSV line per row.
    Csv(CsvOptions),
}

/// How the command's stdout is read back.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputFormatter {
    /// `vcf`: a VCF file, read into Glow's variant table.
    Vcf(VcfOutputOptions),
    /// `text`: one `text` row per line.
    Text(TextOutputOptions),
    /// `csv`: Utf8 columns named by the first line (or `_c<i>`).
    Csv(CsvOptions),
}

/// Where the VCF input formatter's header comes from (`in_vcfHeader`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum VcfHeaderSource {
    /// Not given: the header passed to [`Pipe::run`], which then must be.
    #[default]
    Supplied,
    /// `infer`: a header derived from the columns.
    Infer,
    /// The text of a header (the option's value started with `#`).
    Text(String),
    /// The path of a VCF file whose header to use.
    Path(PathBuf),
}

/// Options of the `vcf` input formatter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VcfInputOptions {
    /// `in_vcfHeader`.
    pub header: VcfHeaderSource,
    /// `in_sampleIds`, comma-separated: the samples of an inferred header
    /// (default: those of the first row).
    pub sample_ids: Option<Vec<String>>,
    /// `in_validationStringency`: accepted for Glow's sake; the writer
    /// fails on a row it cannot write whatever its value.
    pub stringency: Stringency,
}

/// Options of the `vcf` output formatter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VcfOutputOptions {
    /// `out_validationStringency` (default strict, genolake's reader's;
    /// Glow's is silent).
    pub stringency: Stringency,
}

/// Options of the `text` input formatter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextInputOptions {
    /// `in_header`: a line written before the rows.
    pub header: Option<String>,
}

/// Options of the `text` output formatter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextOutputOptions {
    /// `out_ignoreHeader`: drop the first line of output.
    pub ignore_header: bool,
}

/// Options of the `csv` formatters, named as Spark's CSV options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// `sep` or `delimiter` (default `,`; `\t` is a tab).
    pub sep: String,
    /// `header`: a line of column names first (default false).
    pub header: bool,
    /// `quote` (default `"`; empty: no quoting).
    pub quote: Option<char>,
    /// `escape`: the character before a quote inside a quoted value
    /// (default `\`).
    pub escape: char,
    /// `nullValue`: the text of a null (default empty).
    pub null_value: String,
    /// `comment`: lines starting with it are skipped on output (default none).
    pub comment: Option<char>,
    /// `quoteAll`: quote every value written (default false).
    pub quote_all: bool,
    /// `ignoreLeadingWhiteSpace` (Spark: true when writing, false when reading).
    pub ignore_leading_white_space: bool,
    /// `ignoreTrailingWhiteSpace` (Spark: true when writing, false when reading).
    pub ignore_trailing_white_space: bool,
}

impl CsvOptions {
    /// Spark's defaults for writing (the input formatter).
    pub fn for_input() -> Self {
        Self {
            ignore_leading_white_space: true,
            ignore_trailing_white_space: true,
            ..Self::for_output()
        }
    }

    /// Spark's defaults for reading (the output formatter).
    pub fn for_output() -> Self {
        Self {
            sep: ",".to_string(),
            header: false,
            quote: Some('"'),
            escape: '\\',
            null_value: String::new(),
            comment: None,
            quote_all: false,
            ignore_leading_white_space: false,
            ignore_trailing_white_space: false,
        }
    }

    fn with_options(
        mut self,
        options: &BTreeMap<String, (String, String)>,
        prefix: &str,
    ) -> Result<Self> {
        for (name, (key, value)) in options {
            match name.as_str() {
                "sep" | "delimiter" => {
                    self.sep = match value.as_str() {
                        "\\t" => "\t".to_string(),
                        "" => return Err(invalid(key, "the separator cannot be empty")),
                        other => other.to_string(),
                    }
                }
                "header" => self.header = parse_bool(key, value)?,
                "quote" => self.quote = optional_char(key, value)?,
                "escape" => {
                    self.escape = optional_char(key, value)?
                        .ok_or_else(|| invalid(key, "expected one character"))?
                }
                "null_value" => self.null_value = value.clone(),
                "comment" => self.comment = optional_char(key, value)?,
                "quote_all" => self.quote_all = parse_bool(key, value)?,
                "ignore_leading_white_space" => {
                    self.ignore_leading_white_space = parse_bool(key, value)?
                }
                "ignore_trailing_white_space" => {
                    self.ignore_trailing_white_space = parse_bool(key, value)?
                }
                _ => return Err(unknown_formatter_option(key, prefix, "csv")),
            }
        }
        Ok(self)
    }
}

impl PipeOptions {
    /// Reads Glow's option pairs. Keys are matched in camel or snake case,
    /// as Glow matches them; `env_` variables keep the name as written
    /// after the prefix. An unknown option, a formatter option the chosen
    /// formatter does not take, or a value that does not parse is an error
    /// naming it.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self> {
        let mut cmd = None;
        let mut input_name = None;
        let mut output_name = None;
        let mut env = Vec::new();
        // Formatter options by snake-cased name (without the prefix), with
        // the key as written, for messages.
        let mut in_options = BTreeMap::new();
        let mut out_options = BTreeMap::new();
        let mut seen = BTreeMap::new();
        for (key, value) in pairs {
            if key.len() > 4 && key[..4].eq_ignore_ascii_case("env_") {
                env.push((key[4..].to_string(), value.clone()));
                continue;
            }
            let name = snake_case(key);
            if let Some(previous) = seen.insert(name.clone(), key.clone()) {
                return Err(Error::Invalid(format!(
                    "option {key}: given twice (also as {previous})"
                )));
            }
            match name.as_str() {
                "cmd" => cmd = Some(parse_cmd(value)?),
                "input_formatter" => input_name = Some(value.clone()),
                "output_formatter" => output_name = Some(value.clone()),
                "quarantine_table" | "quarantine_flavor" => {
                    return Err(invalid(
                        key,
                        "quarantining failed partitions is not supported",
                    ));
                }
                _ => {
                    if let Some(rest) = name.strip_prefix("in_") {
                        in_options.insert(rest.to_string(), (key.clone(), value.clone()));
                    } else if let Some(rest) = name.strip_prefix("out_") {
                        out_options.insert(rest.to_string(), (key.clone(), value.clone()));
                    } else {
                        return Err(Error::Invalid(format!("unknown pipe option {key}")));
                    }
                }
            }
        }
        let cmd = cmd.ok_or_else(|| Error::Invalid("cmd: must specify a command".to_string()))?;
        let input_name = input_name.ok_or_else(|| {
            Error::Invalid("inputFormatter: missing pipe input formatter".to_string())
        })?;
        let output_name = output_name.ok_or_else(|| {
            Error::Invalid("outputFormatter: missing pipe output formatter".to_string())
        })?;
        let input = match input_name.as_str() {
            "vcf" => InputFormatter::Vcf(vcf_input_options(&in_options)?),
            "text" => {
                let mut options = TextInputOptions::default();
                for (name, (key, value)) in &in_options {
                    match name.as_str() {
                        "header" => options.header = Some(value.clone()),
                        _ => return Err(unknown_formatter_option(key, "in_", "text")),
                    }
                }
                InputFormatter::Text(options)
            }
            "csv" => InputFormatter::Csv(CsvOptions::for_input().with_options(&in_options, "in_")?),
            other => {
                return Err(Error::Invalid(format!(
                    "inputFormatter: could not find an input formatter for {other} (vcf, csv or text)"
                )));
            }
        };
        let output = match output_name.as_str() {
            "vcf" => {
                let mut options = VcfOutputOptions::default();
                for (name, (key, value)) in &out_options {
                    match name.as_str() {
                        "validation_stringency" => {
                            options.stringency = parse_stringency(key, value)?
                        }
                        _ => return Err(unknown_formatter_option(key, "out_", "vcf")),
                    }
                }
                OutputFormatter::Vcf(options)
            }
            "text" => {
                let mut options = TextOutputOptions::default();
                for (name, (key, value)) in &out_options {
                    match name.as_str() {
                        "ignore_header" => options.ignore_header = parse_bool(key, value)?,
                        _ => return Err(unknown_formatter_option(key, "out_", "text")),
                    }
                }
                OutputFormatter::Text(options)
            }
            "csv" => {
                OutputFormatter::Csv(CsvOptions::for_output().with_options(&out_options, "out_")?)
            }
            other => {
                return Err(Error::Invalid(format!(
                    "outputFormatter: could not find an output formatter for {other} (vcf, csv or text)"
                )));
            }
        };
        Ok(Self {
            cmd,
            input,
            output,
            env,
        })
    }
}

fn vcf_input_options(options: &BTreeMap<String, (String, String)>) -> Result<VcfInputOptions> {
    let mut vcf = VcfInputOptions::default();
    for (name, (key, value)) in options {
        match name.as_str() {
            "vcf_header" => {
                vcf.header = if value == "infer" {
                    VcfHeaderSource::Infer
                } else if value.trim_start().starts_with('#') {
                    VcfHeaderSource::Text(value.clone())
                } else if value.is_empty() {
                    return Err(invalid(
                        key,
                        "expected infer, a header's text or a VCF path",
                    ));
                } else {
                    VcfHeaderSource::Path(PathBuf::from(value))
                }
            }
            "sample_ids" => {
                vcf.sample_ids = Some(value.split(',').map(|s| s.trim().to_string()).collect())
            }
            "validation_stringency" => vcf.stringency = parse_stringency(key, value)?,
            _ => return Err(unknown_formatter_option(key, "in_", "vcf")),
        }
    }
    Ok(vcf)
}

/// Glow's `StringUtils.toSnakeCase`: `_` before each capital but a leading
/// one, then lower case.
fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for (i, c) in key.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn parse_cmd(value: &str) -> Result<Vec<String>> {
    let cmd: Vec<String> = serde_json::from_str(value).map_err(|e| {
        Error::Invalid(format!(
            "cmd: expected a JSON array of strings such as [\"cat\", \"-\"], not {value}: {e}"
        ))
    })?;
    if cmd.first().is_none_or(|program| program.is_empty()) {
        return Err(Error::Invalid("cmd: the command is empty".to_string()));
    }
    Ok(cmd)
}

fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(invalid(
            key,
            &format!("expected true or false, not {value:?}"),
        )),
    }
}

fn parse_stringency(key: &str, value: &str) -> Result<Stringency> {
    value.parse().map_err(|_| {
        invalid(
            key,
            &format!("expected STRICT, LENIENT or SILENT, not {value:?}"),
        )
    })
}

fn optional_char(key: &str, value: &str) -> Result<Option<char>> {
    let value = if value == "\\t" { "\t" } else { value };
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Ok(None),
        (Some(c), None) => Ok(Some(c)),
        _ => Err(invalid(
            key,
            &format!("expected one character, not {value:?}"),
        )),
    }
}

fn invalid(key: &str, message: &str) -> Error {
    Error::Invalid(format!("option {key}: {message}"))
}

fn unknown_formatter_option(key: &str, prefix: &str, formatter: &str) -> Error {
    let side = if prefix == "in_" { "input" } else { "output" };
    Error::Invalid(format!(
        "option {key}: not an option of the {formatter} {side} formatter"
    ))
}

/// Runs a command over partitions: see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Pipe {
    options: PipeOptions,
    temp_dir: Option<PathBuf>,
    batch_size: Option<usize>,
}

impl Pipe {
    /// A pipe with these options; spool files in the system's temporary
    /// directory.
    pub fn new(options: PipeOptions) -> Self {
        Self {
            options,
            temp_dir: None,
            batch_size: None,
        }
    }

    /// Puts spool files under `dir` instead of the system's temporary
    /// directory (the whole output of a partition is spooled there).
    pub fn with_temp_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.temp_dir = Some(dir.into());
        self
    }

    /// Rows per output batch (default: the VCF reader's for VCF, 8192 for
    /// text and CSV).
    pub fn with_batch_size(mut self, rows: usize) -> Self {
        self.batch_size = Some(rows.max(1));
        self
    }

    /// The options.
    pub fn options(&self) -> &PipeOptions {
        &self.options
    }

    /// The command as a shell would show it, for messages.
    pub fn command_line(&self) -> String {
        self.options
            .cmd
            .iter()
            .map(|arg| shell_quote(arg))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs the command over one partition: the batches of `schema` (errors
    /// among them end the run with that error), with `vcf_header` (a VCF
    /// header's text: the input's, used by the `vcf` input formatter when
    /// `in_vcfHeader` is not given). Returns once the command has ended and
    /// its output was checked to start as its formatter expects.
    pub fn run<I, E>(
        &self,
        schema: &SchemaRef,
        vcf_header: Option<&str>,
        batches: I,
    ) -> Result<PipeOutput>
    where
        I: IntoIterator<Item = std::result::Result<RecordBatch, E>>,
        I::IntoIter: Send,
        E: Display,
    {
        let command = self.command_line();
        let input = self.prepare_input(schema, vcf_header)?;
        let mut batches = batches.into_iter();
        // Glow does not run the command on an empty partition.
        let first = loop {
            match batches.next() {
                None => return Ok(PipeOutput::empty()),
                Some(Err(e)) => return Err(self.fail(format!("its input failed: {e}"))),
                Some(Ok(batch)) if batch.num_rows() == 0 => continue,
                Some(Ok(batch)) => break batch,
            }
        };
        let spool = Spool::create(&self.options.output, self.temp_dir.as_deref())
            .map_err(|e| self.fail(format!("cannot create a spool file for its output: {e}")))?;

        let Some((program, args)) = self.options.cmd.split_first() else {
            return Err(Error::Invalid("cmd: the command is empty".to_string()));
        };
        let mut process = Command::new(program);
        process
            .args(args)
            .envs(self.options.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = process
            .spawn()
            .map_err(|e| self.fail(format!("cannot start it: {e}")))?;
        let (stdin, stdout, stderr) =
            match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
                (Some(stdin), Some(stdout), Some(stderr)) => (stdin, stdout, stderr),
                // Cannot happen with all three piped; the child is not left running.
                _ => {
                    kill(&mut child);
                    return Err(self.fail("its standard streams were not opened".to_string()));
                }
            };
        let rest = batches.map(|batch| batch.map_err(|e| format!("its input failed: {e}")));
        let (fed, spooled, stderr) = std::thread::scope(|scope| {
            let writer =
                scope.spawn(move || feed(stdin, input, std::iter::once(Ok(first)).chain(rest)));
            let spooler = scope.spawn(|| spool.fill(stdout).map(|()| spool));
            let collector = scope.spawn(move || StderrTail::collect(stderr));
            let fed = writer
                .join()
                .unwrap_or_else(|_| Err(FeedError::Input("the input thread panicked".to_string())));
            if matches!(fed, Err(FeedError::Input(_))) {
                // The input cannot be written: stop the command rather than
                // wait for it to end on a truncated input.
                kill(&mut child);
            }
            let spooled = spooler
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the thread copying stdout panicked")));
            if spooled.is_err() {
                kill(&mut child);
            }
            let stderr = collector.join().unwrap_or_default();
            (fed, spooled, stderr)
        });
        let status = child.wait();
        let context = RunContext {
            command,
            status: status.as_ref().ok().copied(),
            stderr: stderr.text(),
        };
        let status = status.map_err(|e| context.fail(format!("waiting for it failed: {e}")))?;
        match fed {
            Err(FeedError::Input(message)) => return Err(context.fail(message)),
            Err(FeedError::Io(e)) if e.kind() != io::ErrorKind::BrokenPipe => {
                return Err(context.fail(format!("writing its stdin failed: {e}")));
            }
            // A broken pipe: the command stopped reading, which is its
            // business if it exits 0 (`head`), as in Glow.
            _ => {}
        }
        if !status.success() {
            return Err(context.fail(format!("it {}", describe_status(status))));
        }
        let spool =
            spooled.map_err(|e| context.fail(format!("spooling its stdout failed: {e}")))?;
        spool.into_output(context, &self.options.output, self.batch_size)
    }

    fn fail(&self, message: String) -> Error {
        Error::Pipe {
            command: self.command_line(),
            message,
        }
    }

    /// Checks the input formatter against `schema` and gets what it needs
    /// (the VCF header and a directory for per-batch files).
    fn prepare_input(&self, schema: &SchemaRef, vcf_header: Option<&str>) -> Result<Input> {
        match &self.options.input {
            InputFormatter::Vcf(options) => {
                let (header, samples) = match &options.header {
                    VcfHeaderSource::Supplied => match vcf_header {
                        Some(text) => (Some(text.to_string()), None),
                        None => {
                            return Err(Error::Invalid(
                                "in_vcfHeader: must specify a method to determine the VCF header \
                                 (infer, a header's text or a VCF path): the input has no VCF header"
                                    .to_string(),
                            ));
                        }
                    },
                    VcfHeaderSource::Infer => (None, options.sample_ids.clone()),
                    VcfHeaderSource::Text(text) => (Some(text.clone()), None),
                    VcfHeaderSource::Path(path) => {
                        (Some(genolake_vcf::read_header_text(path)?), None)
                    }
                };
                let dir = self.temp_dir().map_err(|e| {
                    self.fail(format!("cannot create a directory for its input: {e}"))
                })?;
                Ok(Input::Vcf {
                    dir,
                    header,
                    samples,
                    schema: Arc::clone(schema),
                })
            }
            InputFormatter::Text(options) => {
                let fields = schema.fields();
                if fields.len() != 1 {
                    return Err(Error::Invalid(format!(
                        "inputFormatter text: the input must have one column, not {}",
                        fields.len()
                    )));
                }
                let field = &fields[0];
                if !matches!(
                    field.data_type(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) {
                    return Err(Error::Column {
                        column: field.name().clone(),
                        message: format!(
                            "the text input formatter needs one string column, not {}",
                            field.data_type()
                        ),
                    });
                }
                Ok(Input::Text {
                    header: options.header.clone(),
                })
            }
            InputFormatter::Csv(options) => {
                if let Some(field) = schema.fields().iter().find(|f| f.data_type().is_nested()) {
                    return Err(Error::Column {
                        column: field.name().clone(),
                        message: format!(
                            "the csv input formatter cannot write {} values",
                            field.data_type()
                        ),
                    });
                }
                Ok(Input::Csv {
                    options: options.clone(),
                    names: schema.fields().iter().map(|f| f.name().clone()).collect(),
                })
            }
        }
    }

    fn temp_dir(&self) -> io::Result<TempDir> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("genolake-pipe-");
        match &self.temp_dir {
            Some(dir) => builder.tempdir_in(dir),
            None => builder.tempdir(),
        }
    }
}

fn kill(child: &mut Child) {
    // It may have ended already, which is what we want.
    let _ = child.kill();
}

fn describe_status(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => format!("was stopped ({status})"),
    }
}

/// Quotes `arg` for display when a shell would split or expand it.
fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// What the failure messages of a run that started say besides what failed.
struct RunContext {
    command: String,
    status: Option<ExitStatus>,
    stderr: String,
}

impl RunContext {
    fn fail(&self, message: String) -> Error {
        let mut message = message;
        if let Some(status) = self.status
            && !message.contains("exited with status")
            && !message.contains("was stopped")
        {
            message.push_str(&format!(" (it {})", describe_status(status)));
        }
        if self.stderr.is_empty() {
            message.push_str("; stderr was empty");
        } else {
            message.push_str(&format!("; stderr ends:\n{}", self.stderr));
        }
        Error::Pipe {
            command: self.command.clone(),
            message,
        }
    }
}

/// The input formatter, ready to write.
enum Input {
    Vcf {
        dir: TempDir,
        header: Option<String>,
        samples: Option<Vec<String>>,
        schema: SchemaRef,
    },
    Text {
        header: Option<String>,
    },
    Csv {
        options: CsvOptions,
        names: Vec<String>,
    },
}

/// Why the input was not all written.
enum FeedError {
    /// The input failed or could not be formatted.
    Input(String),
    /// Writing to stdin failed (a broken pipe when the command stopped reading).
    Io(io::Error),
}

impl From<io::Error> for FeedError {
    fn from(e: io::Error) -> Self {
        FeedError::Io(e)
    }
}

/// Writes the batches to stdin; stdin is closed when it returns.
fn feed(
    stdin: ChildStdin,
    input: Input,
    batches: impl Iterator<Item = std::result::Result<RecordBatch, String>>,
) -> std::result::Result<(), FeedError> {
    let mut out = BufWriter::with_capacity(STDIN_BUFFER, stdin);
    match input {
        Input::Vcf {
            dir,
            header,
            samples,
            schema,
        } => feed_vcf(&mut out, &dir, header, samples, &schema, batches)?,
        Input::Text { header } => {
            if let Some(header) = header {
                out.write_all(header.as_bytes())?;
                out.write_all(b"\n")?;
            }
            for batch in batches {
                let batch = batch.map_err(FeedError::Input)?;
                let column = batch.column(0);
                let formatter = formatter(column)?;
                for row in 0..batch.num_rows() {
                    // Glow writes nothing for a null value.
                    if column.is_valid(row) {
                        write!(out, "{}", formatter.value(row))?;
                        out.write_all(b"\n")?;
                    }
                }
            }
        }
        Input::Csv { options, names } => {
            let mut line = String::new();
            if options.header {
                for (i, name) in names.iter().enumerate() {
                    if i > 0 {
                        line.push_str(&options.sep);
                    }
                    csv_value(&mut line, name, &options);
                }
                line.push('\n');
                out.write_all(line.as_bytes())?;
            }
            let mut value = String::new();
            for batch in batches {
                let batch = batch.map_err(FeedError::Input)?;
                let formatters = batch
                    .columns()
                    .iter()
                    .map(formatter)
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                for row in 0..batch.num_rows() {
                    line.clear();
                    for (i, (column, formatter)) in
                        batch.columns().iter().zip(&formatters).enumerate()
                    {
                        if i > 0 {
                            line.push_str(&options.sep);
                        }
                        if column.is_null(row) {
                            line.push_str(&options.null_value);
                        } else {
                            value.clear();
                            fmt::write(&mut value, format_args!("{}", formatter.value(row)))
                                .map_err(|e| FeedError::Input(e.to_string()))?;
                            csv_value(&mut line, &value, &options);
                        }
                    }
                    line.push('\n');
                    out.write_all(line.as_bytes())?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn formatter(column: &ArrayRef) -> std::result::Result<ArrayFormatter<'_>, FeedError> {
    ArrayFormatter::try_new(column.as_ref(), &FormatOptions::default())
        .map_err(|e| FeedError::Input(format!("cannot format the input: {e}")))
}

/// Appends `value` as Spark's CSV writer does: trimmed (by default),
/// quoted when it holds the separator, a quote or a line break, an empty
/// string as `""` so it reads back as empty rather than null.
fn csv_value(line: &mut String, value: &str, options: &CsvOptions) {
    let mut value = value;
    if options.ignore_leading_white_space {
        value = value.trim_start();
    }
    if options.ignore_trailing_white_space {
        value = value.trim_end();
    }
    let Some(quote) = options.quote else {
        line.push_str(value);
        return;
    };
    let needs_quotes = options.quote_all
        || value.is_empty()
        || value.contains(options.sep.as_str())
        || value.contains(quote)
        || value.contains(['\n', '\r'])
        || options.comment.is_some_and(|c| value.starts_with(c));
    if !needs_quotes {
        line.push_str(value);
        return;
    }
    line.push(quote);
    for c in value.chars() {
        if c == quote {
            line.push(options.escape);
        }
        line.push(c);
    }
    line.push(quote);
}

/// Writes each batch as a VCF file of its own and copies it to `out`: the
/// header of the first, the records of all. Later batches are written under
/// the first one's header, so their records are formatted alike.
fn feed_vcf(
    out: &mut impl Write,
    dir: &TempDir,
    header: Option<String>,
    samples: Option<Vec<String>>,
    schema: &Schema,
    batches: impl Iterator<Item = std::result::Result<RecordBatch, String>>,
) -> std::result::Result<(), FeedError> {
    let path = dir.path().join("batch.vcf");
    let vcf_error =
        |e: genolake_vcf::Error| FeedError::Input(format!("writing its input as VCF failed: {e}"));
    let mut sent_header: Option<String> = None;
    for batch in batches {
        let batch = batch.map_err(FeedError::Input)?;
        if batch.num_rows() == 0 {
            continue;
        }
        let mut builder = genolake_vcf::Writer::builder(&path)
            .compression(Compression::None)
            .threads(0);
        match (&sent_header, &header) {
            (Some(text), _) | (None, Some(text)) => builder = builder.header(text.clone()),
            (None, None) => {}
        }
        if sent_header.is_none()
            && let Some(samples) = &samples
        {
            builder = builder.samples(samples.clone());
        }
        let mut writer = builder.build(schema).map_err(vcf_error)?;
        writer.write(&batch).map_err(vcf_error)?;
        writer.finish().map_err(vcf_error)?;
        let file =
            File::open(&path).map_err(|e| FeedError::Input(format!("{}: {e}", path.display())))?;
        let mut reader = BufReader::new(file);
        if sent_header.is_none() {
            sent_header = Some(genolake_vcf::read_header_text(&path).map_err(vcf_error)?);
        } else {
            skip_header(&mut reader)
                .map_err(|e| FeedError::Input(format!("{}: {e}", path.display())))?;
        }
        copy_to(&mut reader, out)?;
    }
    Ok(())
}

/// Consumes the `#` lines at the start of `reader`, leaving the first
/// record unread.
fn skip_header(reader: &mut BufReader<File>) -> io::Result<()> {
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.first() != Some(&b'#') {
            return Ok(());
        }
        let mut line = Vec::new();
        reader.read_until(b'\n', &mut line)?;
    }
}

/// Copies `reader` to `out`, telling errors reading the local file (input
/// errors) from errors writing the pipe (which may be a broken pipe).
fn copy_to(reader: &mut impl Read, out: &mut impl Write) -> std::result::Result<(), FeedError> {
    let mut buffer = vec![0; STDIN_BUFFER];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(FeedError::Input(format!(
                    "reading a spooled batch failed: {e}"
                )));
            }
        };
        out.write_all(&buffer[..n])?;
    }
}

/// The last bytes of stderr, read as they come so the command never
/// blocks on a full pipe, and never more than [`STDERR_TAIL_BYTES`] kept.
#[derive(Default)]
struct StderrTail {
    tail: Vec<u8>,
    dropped: u64,
}

impl StderrTail {
    fn collect(mut stderr: ChildStderr) -> Self {
        let mut tail = StderrTail::default();
        let mut buffer = [0u8; 8192];
        loop {
            match stderr.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    tail.tail.extend_from_slice(&buffer[..n]);
                    if tail.tail.len() > 2 * STDERR_TAIL_BYTES {
                        let excess = tail.tail.len() - STDERR_TAIL_BYTES;
                        tail.tail.drain(..excess);
                        tail.dropped += excess as u64;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // What was read is all there is to quote.
                Err(_) => break,
            }
        }
        tail
    }

    /// The last [`STDERR_TAIL_LINES`] lines, at most [`STDERR_TAIL_BYTES`].
    fn text(&self) -> String {
        let start = self.tail.len().saturating_sub(STDERR_TAIL_BYTES);
        let bytes = &self.tail[start..];
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim_end_matches(['\n', '\r']);
        let lines: Vec<&str> = text.lines().collect();
        let keep = lines.len().saturating_sub(STDERR_TAIL_LINES);
        let mut out = String::new();
        if keep > 0 || start > 0 || self.dropped > 0 {
            out.push_str("[...]\n");
        }
        out.push_str(&lines[keep..].join("\n"));
        out
    }
}

/// Where stdout goes while the command runs.
enum Spool {
    /// A named file in a temporary directory (the VCF reader opens paths).
    Vcf {
        dir: TempDir,
        path: PathBuf,
        file: File,
    },
    /// An unnamed temporary file (text and CSV are read from the handle).
    Lines(File),
}

impl Spool {
    fn create(output: &OutputFormatter, temp_dir: Option<&Path>) -> io::Result<Self> {
        match output {
            OutputFormatter::Vcf(_) => {
                let mut builder = tempfile::Builder::new();
                builder.prefix("genolake-pipe-");
                let dir = match temp_dir {
                    Some(parent) => builder.tempdir_in(parent)?,
                    None => builder.tempdir()?,
                };
                let path = dir.path().join("stdout.vcf");
                let file = File::create(&path)?;
                Ok(Spool::Vcf { dir, path, file })
            }
            _ => Ok(Spool::Lines(match temp_dir {
                Some(parent) => tempfile::tempfile_in(parent)?,
                None => tempfile::tempfile()?,
            })),
        }
    }

    fn file(&self) -> &File {
        match self {
            Spool::Vcf { file, .. } | Spool::Lines(file) => file,
        }
    }

    /// Copies all of stdout to the file.
    fn fill(&self, mut stdout: ChildStdout) -> io::Result<()> {
        let mut out = BufWriter::with_capacity(1 << 16, self.file());
        io::copy(&mut stdout, &mut out)?;
        out.flush()
    }

    fn into_output(
        self,
        context: RunContext,
        formatter: &OutputFormatter,
        batch_size: Option<usize>,
    ) -> Result<PipeOutput> {
        let rows = batch_size.unwrap_or(DEFAULT_BATCH_ROWS);
        let spool_error =
            |e: io::Error| context.fail(format!("reading its spooled stdout failed: {e}"));
        let batches = match (self, formatter) {
            (Spool::Vcf { dir, path, file }, OutputFormatter::Vcf(options)) => {
                let empty = file.metadata().map_err(spool_error)?.len() == 0;
                drop(file);
                if empty {
                    Batches::None
                } else {
                    let reader_options = genolake_vcf::ReaderOptions {
                        stringency: options.stringency,
                        batch_size,
                        ..Default::default()
                    };
                    let reader = genolake_vcf::Reader::builder(&path)
                        .options(reader_options)
                        .build()
                        .map_err(|e| context.fail(format!("its output is not VCF: {e}")))?;
                    Batches::Vcf {
                        reader: Box::new(reader),
                        _dir: dir,
                    }
                }
            }
            (Spool::Lines(mut file), OutputFormatter::Text(options)) => {
                file.rewind().map_err(spool_error)?;
                let mut lines = Lines::new(file);
                if options.ignore_header {
                    lines.next_line().map_err(spool_error)?;
                }
                Batches::Text { lines, rows }
            }
            (Spool::Lines(mut file), OutputFormatter::Csv(options)) => {
                file.rewind().map_err(spool_error)?;
                let mut lines = Lines::new(file);
                let mut first = None;
                while let Some(line) = lines.next_line().map_err(spool_error)? {
                    if csv_line_counts(&line, options) {
                        first = Some(line);
                        break;
                    }
                }
                match first {
                    None => Batches::None,
                    Some(line) => {
                        let record = parse_csv_line(&line, options);
                        let names = csv_column_names(&record, options);
                        let schema = Arc::new(Schema::new(
                            names
                                .into_iter()
                                .map(|name| Field::new(name, DataType::Utf8, true))
                                .collect::<Vec<_>>(),
                        ));
                        Batches::Csv {
                            lines,
                            rows,
                            options: options.clone(),
                            schema,
                            pending: (!options.header).then_some(record),
                        }
                    }
                }
            }
            _ => {
                return Err(
                    context.fail("internal error: spool and formatter disagree".to_string())
                );
            }
        };
        Ok(PipeOutput {
            batches,
            context: Some(context),
        })
    }
}

/// Lines of the spooled stdout, without their `\n` or `\r\n`, invalid
/// UTF-8 replaced (as Java's decoder in Glow does).
struct Lines {
    reader: BufReader<File>,
    buffer: Vec<u8>,
}

impl Lines {
    fn new(file: File) -> Self {
        Self {
            reader: BufReader::with_capacity(1 << 16, file),
            buffer: Vec::new(),
        }
    }

    fn next_line(&mut self) -> io::Result<Option<String>> {
        self.buffer.clear();
        if self.reader.read_until(b'\n', &mut self.buffer)? == 0 {
            return Ok(None);
        }
        if self.buffer.last() == Some(&b'\n') {
            self.buffer.pop();
            if self.buffer.last() == Some(&b'\r') {
                self.buffer.pop();
            }
        }
        Ok(Some(String::from_utf8_lossy(&self.buffer).into_owned()))
    }
}

/// Whether a CSV output line is data (Spark skips blank and comment lines).
fn csv_line_counts(line: &str, options: &CsvOptions) -> bool {
    !line.trim().is_empty() && !options.comment.is_some_and(|c| line.starts_with(c))
}

/// Splits one CSV line into fields (`None` for a null), as Spark's parser
/// reads a line: quoted fields may hold the separator and escaped quotes.
fn parse_csv_line(line: &str, options: &CsvOptions) -> Vec<Option<String>> {
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        let (field, next) = parse_csv_field(rest, options);
        fields.push(field);
        match next {
            Some(next) => rest = next,
            None => return fields,
        }
    }
}

/// One field at the start of `s`, and what follows its separator (`None`
/// at the end of the line).
fn parse_csv_field<'a>(s: &'a str, options: &CsvOptions) -> (Option<String>, Option<&'a str>) {
    let sep = options.sep.as_str();
    let start = if options.ignore_leading_white_space {
        s.trim_start_matches([' ', '\t'])
    } else {
        s
    };
    if let Some(quote) = options.quote.filter(|q| start.starts_with(*q)) {
        let body = &start[quote.len_utf8()..];
        let mut value = String::new();
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let next = chars.peek().map(|&(_, n)| n);
            if c == options.escape && c != quote && (next == Some(quote) || next == Some(c)) {
                value.push(chars.next().map_or(c, |(_, n)| n));
            } else if c == quote && next == Some(quote) {
                // A doubled quote, RFC 4180's escape.
                value.push(quote);
                chars.next();
            } else if c == quote {
                // The closing quote: anything up to the separator is kept
                // with the value, as univocity keeps it.
                let after = &body[i + c.len_utf8()..];
                let (tail, next) = match after.find(sep) {
                    Some(at) => (&after[..at], Some(&after[at + sep.len()..])),
                    None => (after, None),
                };
                value.push_str(tail.trim_end_matches([' ', '\t']));
                return (Some(value), next);
            } else {
                value.push(c);
            }
        }
        // No closing quote: the rest of the line is the value.
        return (Some(value), None);
    }
    let (raw, next) = match start.find(sep) {
        Some(at) => (&start[..at], Some(&start[at + sep.len()..])),
        None => (start, None),
    };
    let raw = if options.ignore_trailing_white_space {
        raw.trim_end_matches([' ', '\t'])
    } else {
        raw
    };
    if raw == options.null_value {
        (None, next)
    } else {
        (Some(raw.to_string()), next)
    }
}

/// Spark's `makeSafeHeader` (case-insensitive): names from the header
/// line, `_c<i>` for empty ones and without a header, `<name><i>` for
/// repeated ones.
fn csv_column_names(record: &[Option<String>], options: &CsvOptions) -> Vec<String> {
    if !options.header {
        return (0..record.len()).map(|i| format!("_c{i}")).collect();
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for name in record.iter().flatten() {
        *counts.entry(name.to_lowercase()).or_default() += 1;
    }
    record
        .iter()
        .enumerate()
        .map(|(i, name)| match name {
            Some(name) if !name.is_empty() && *name != options.null_value => {
                if counts.get(&name.to_lowercase()).is_some_and(|&n| n > 1) {
                    format!("{name}{i}")
                } else {
                    name.clone()
                }
            }
            _ => format!("_c{i}"),
        })
        .collect()
}

/// The batches of the output still to read.
enum Batches {
    /// No output (an empty partition, or a VCF or CSV formatter given no
    /// output at all).
    None,
    Vcf {
        /// Boxed: a reader is large beside the other variants.
        reader: Box<genolake_vcf::Reader>,
        /// Removes the spool file when the output is dropped.
        _dir: TempDir,
    },
    Text {
        lines: Lines,
        rows: usize,
    },
    Csv {
        lines: Lines,
        rows: usize,
        options: CsvOptions,
        schema: SchemaRef,
        /// The first record, when it is data rather than a header.
        pending: Option<Vec<Option<String>>>,
    },
}

/// The output of one run: its schema and its batches, read from the spool
/// file as they are asked for. The spool files are removed when it is
/// dropped.
pub struct PipeOutput {
    batches: Batches,
    /// The command, its status and stderr, for errors reading the output
    /// (`None` when the command was not run).
    context: Option<RunContext>,
}

impl fmt::Debug for PipeOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeOutput")
            .field("schema", &self.schema())
            .field("stderr", &self.stderr())
            .finish_non_exhaustive()
    }
}

impl PipeOutput {
    fn empty() -> Self {
        Self {
            batches: Batches::None,
            context: None,
        }
    }

    /// The schema of the batches; `None` when there are none to describe:
    /// the command was not run (no input rows), or it wrote nothing for a
    /// `vcf` or `csv` output formatter (Glow then has no schema for the
    /// partition either).
    pub fn schema(&self) -> Option<SchemaRef> {
        match &self.batches {
            Batches::None => None,
            Batches::Vcf { reader, .. } => Some(reader.schema()),
            Batches::Text { .. } => Some(text_schema()),
            Batches::Csv { schema, .. } => Some(Arc::clone(schema)),
        }
    }

    /// The last lines of what the command wrote to stderr (empty when it
    /// wrote nothing or was not run), for the caller to log as Glow does.
    pub fn stderr(&self) -> &str {
        self.context.as_ref().map_or("", |c| c.stderr.as_str())
    }

    /// Whether the command ran (the input had rows).
    pub fn ran(&self) -> bool {
        self.context.is_some()
    }

    fn next_batch(&mut self) -> std::result::Result<Option<RecordBatch>, String> {
        match &mut self.batches {
            Batches::None => Ok(None),
            Batches::Vcf { reader, .. } => match reader.next() {
                None => Ok(None),
                Some(Ok(batch)) => Ok(Some(batch)),
                Some(Err(e)) => Err(format!("its output is not VCF: {e}")),
            },
            Batches::Text { lines, rows } => {
                let mut builder = StringBuilder::new();
                let mut n = 0;
                let mut bytes = 0;
                while n < *rows && bytes < BATCH_TEXT_BYTES {
                    let Some(line) = lines.next_line().map_err(read_error)? else {
                        break;
                    };
                    bytes += line.len();
                    builder.append_value(line);
                    n += 1;
                }
                if n == 0 {
                    return Ok(None);
                }
                let column: ArrayRef = Arc::new(builder.finish());
                RecordBatch::try_new(text_schema(), vec![column])
                    .map(Some)
                    .map_err(|e| e.to_string())
            }
            Batches::Csv {
                lines,
                rows,
                options,
                schema,
                pending,
            } => {
                let mut builders: Vec<StringBuilder> = schema
                    .fields()
                    .iter()
                    .map(|_| StringBuilder::new())
                    .collect();
                let mut n = 0;
                let mut bytes = 0;
                let append = |record: Vec<Option<String>>, builders: &mut Vec<StringBuilder>| {
                    let mut values = record.into_iter();
                    for builder in builders.iter_mut() {
                        // Missing fields are null, extra ones dropped (Spark's
                        // permissive mode).
                        builder.append_option(values.next().flatten());
                    }
                };
                if let Some(record) = pending.take() {
                    append(record, &mut builders);
                    n += 1;
                }
                while n < *rows && bytes < BATCH_TEXT_BYTES {
                    let Some(line) = lines.next_line().map_err(read_error)? else {
                        break;
                    };
                    if !csv_line_counts(&line, options) {
                        continue;
                    }
                    bytes += line.len();
                    append(parse_csv_line(&line, options), &mut builders);
                    n += 1;
                }
                if n == 0 {
                    return Ok(None);
                }
                let columns: Vec<ArrayRef> = builders
                    .iter_mut()
                    .map(|b| Arc::new(b.finish()) as ArrayRef)
                    .collect();
                RecordBatch::try_new(Arc::clone(schema), columns)
                    .map(Some)
                    .map_err(|e| e.to_string())
            }
        }
    }
}

fn read_error(e: io::Error) -> String {
    format!("reading its spooled stdout failed: {e}")
}

fn text_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new(
        TEXT_COLUMN,
        DataType::Utf8,
        true,
    )]))
}

impl Iterator for PipeOutput {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_batch() {
            Ok(batch) => batch.map(Ok),
            Err(message) => {
                // One error ends the output.
                self.batches = Batches::None;
                Some(Err(match &self.context {
                    Some(context) => context.fail(message),
                    None => Error::Invalid(message),
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn options_in_camel_and_snake_case() {
        let options = PipeOptions::from_pairs(&pairs(&[
            ("cmd", r#"["bcftools", "view", "-v", "snps"]"#),
            ("input_formatter", "vcf"),
            ("outputFormatter", "text"),
            ("inVcfHeader", "infer"),
            ("in_sampleIds", "a,b"),
            ("out_ignore_header", "TRUE"),
            ("env_LC_ALL", "C"),
        ]))
        .unwrap();
        assert_eq!(options.cmd, ["bcftools", "view", "-v", "snps"]);
        assert_eq!(
            options.input,
            InputFormatter::Vcf(VcfInputOptions {
                header: VcfHeaderSource::Infer,
                sample_ids: Some(vec!["a".into(), "b".into()]),
                stringency: Stringency::Strict,
            })
        );
        assert_eq!(
            options.output,
            OutputFormatter::Text(TextOutputOptions {
                ignore_header: true
            })
        );
        assert_eq!(options.env, [("LC_ALL".to_string(), "C".to_string())]);
    }

    #[test]
    fn option_errors_name_the_option() {
        let base = [
            ("cmd", r#"["cat"]"#),
            ("inputFormatter", "text"),
            ("outputFormatter", "text"),
        ];
        let error = |extra: &[(&str, &str)]| {
            let mut all = base.to_vec();
            all.extend_from_slice(extra);
            PipeOptions::from_pairs(&pairs(&all))
                .unwrap_err()
                .to_string()
        };
        assert!(error(&[("in_vcfHeader", "infer")]).contains("in_vcfHeader"));
        assert!(error(&[("out_ignoreHeader", "yes")]).contains("out_ignoreHeader"));
        assert!(error(&[("bogus", "1")]).contains("bogus"));
        assert!(error(&[("output_formatter", "text")]).contains("given twice"));
        let missing = PipeOptions::from_pairs(&pairs(&base[..2]))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("outputFormatter"), "{missing}");
        let bad_cmd = PipeOptions::from_pairs(&pairs(&[
            ("cmd", "cat"),
            ("inputFormatter", "text"),
            ("outputFormatter", "text"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(bad_cmd.contains("cmd"), "{bad_cmd}");
        let empty_cmd = PipeOptions::from_pairs(&pairs(&[
            ("cmd", "[]"),
            ("inputFormatter", "text"),
            ("outputFormatter", "text"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(empty_cmd.contains("empty"), "{empty_cmd}");
        let formatter = PipeOptions::from_pairs(&pairs(&[
            ("cmd", "[\"cat\"]"),
            ("inputFormatter", "json"),
            ("outputFormatter", "text"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            formatter.contains("inputFormatter") && formatter.contains("json"),
            "{formatter}"
        );
    }

    #[test]
    fn csv_lines_split_as_spark_reads_them() {
        let options = CsvOptions::for_output();
        assert_eq!(
            parse_csv_line(r#"a,"b,c",,"",d "x\"y""#, &options),
            [
                Some("a".to_string()),
                Some("b,c".to_string()),
                None,
                Some(String::new()),
                Some("d \"x\\\"y\"".to_string()),
            ]
        );
        assert_eq!(
            parse_csv_line(r#""say \"hi\"""#, &options),
            [Some("say \"hi\"".to_string())]
        );
        let tabs = CsvOptions {
            sep: "\t".into(),
            ..CsvOptions::for_output()
        };
        assert_eq!(
            parse_csv_line("x\ty", &tabs),
            [Some("x".into()), Some("y".into())]
        );
    }

    #[test]
    fn csv_values_quoted_as_spark_writes_them() {
        let options = CsvOptions::for_input();
        let mut line = String::new();
        for value in ["plain", " padded ", "a,b", "say \"hi\"", ""] {
            csv_value(&mut line, value, &options);
            line.push('|');
        }
        assert_eq!(line, r#"plain|padded|"a,b"|"say \"hi\""|""|"#);
        // What is written reads back.
        let read = CsvOptions::for_output();
        assert_eq!(
            parse_csv_line(r#"plain,"a,b","say \"hi\"","""#, &read),
            [
                Some("plain".into()),
                Some("a,b".into()),
                Some("say \"hi\"".into()),
                Some(String::new())
            ]
        );
    }

    #[test]
    fn csv_header_names_made_safe() {
        let header = CsvOptions {
            header: true,
            ..CsvOptions::for_output()
        };
        let record = vec![Some("a".into()), None, Some("B".into()), Some("b".into())];
        assert_eq!(csv_column_names(&record, &header), ["a", "_c1", "B2", "b3"]);
        assert_eq!(
            csv_column_names(&record, &CsvOptions::for_output()),
            ["_c0", "_c1", "_c2", "_c3"]
        );
    }

    #[test]
    fn stderr_tail_is_bounded() {
        let mut tail = StderrTail::default();
        for i in 0..10_000 {
            tail.tail
                .extend_from_slice(format!("line {i}\n").as_bytes());
        }
        let text = tail.text();
        assert!(text.starts_with("[...]"));
        assert!(text.ends_with("line 9999"));
        assert_eq!(text.lines().count(), STDERR_TAIL_LINES + 1);
    }

    #[test]
    fn shell_quoting_for_messages() {
        assert_eq!(shell_quote("view"), "view");
        assert_eq!(shell_quote("echo oops >&2"), "'echo oops >&2'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
