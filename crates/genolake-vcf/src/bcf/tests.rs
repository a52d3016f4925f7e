//! The direct decoding of typed sample values against the transcoding
//! path: for any record, the same rows, errors, warnings, nulled counts and
//! batches.

use genolake_core::Stringency;
use proptest::prelude::*;

use super::header::dictionaries;
use super::record::Transcoder;
use crate::header::HeaderParser;
use crate::reader::ReaderOptions;
use crate::record::RecordDecoder;

const SAMPLES: usize = 20;

/// INFO keys of the header in dictionary order, after `PASS`.
const INFO_KEYS: [&str; 6] = ["DP", "AF", "DB", "END", "XT", "XL"];

/// FORMAT keys of the header in dictionary order (after the INFO keys;
/// FORMAT `DP` shares INFO's entry).
const KEYS: [&str; 9] = ["GT", "AD", "GQ", "FT", "GL", "HQ", "XS", "XF", "XC"];

fn header() -> crate::header::Header {
    let mut parser = HeaderParser::new(Stringency::Strict);
    let mut lines = vec![
        "##fileformat=VCFv4.3".to_string(),
        "##contig=<ID=1>".to_string(),
        "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">".to_string(),
        "##INFO=<ID=AF,Number=A,Type=Float,Description=\"f\">".to_string(),
        "##INFO=<ID=DB,Number=0,Type=Flag,Description=\"b\">".to_string(),
        "##INFO=<ID=END,Number=1,Type=Integer,Description=\"e\">".to_string(),
        "##INFO=<ID=XT,Number=1,Type=String,Description=\"t\">".to_string(),
        "##INFO=<ID=XL,Number=.,Type=Integer,Description=\"l\">".to_string(),
        "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">".to_string(),
        "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"a\">".to_string(),
        "##FORMAT=<ID=GQ,Number=1,Type=Integer,Description=\"q\">".to_string(),
        "##FORMAT=<ID=FT,Number=1,Type=String,Description=\"f\">".to_string(),
        "##FORMAT=<ID=GL,Number=G,Type=Float,Description=\"l\">".to_string(),
        "##FORMAT=<ID=HQ,Number=2,Type=Integer,Description=\"h\">".to_string(),
        "##FORMAT=<ID=XS,Number=.,Type=String,Description=\"s\">".to_string(),
        "##FORMAT=<ID=XF,Number=1,Type=Float,Description=\"x\">".to_string(),
        "##FORMAT=<ID=XC,Number=1,Type=Character,Description=\"c\">".to_string(),
        "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"d\">".to_string(),
    ];
    let samples: Vec<String> = (0..SAMPLES).map(|s| format!("S{s}")).collect();
    lines.push(format!(
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{}",
        samples.join("\t")
    ));
    for line in &lines {
        parser.feed(line).unwrap();
    }
    parser.finish().unwrap()
}

const MISSING: u8 = 0;
const INT8: u8 = 1;
const INT16: u8 = 2;
const INT32: u8 = 3;
const FLOAT: u8 = 5;
const CHAR: u8 = 7;

/// One FORMAT field of a generated record.
#[derive(Debug, Clone)]
struct Field {
    /// Index into [`KEYS`], or `KEYS.len()` for `DP`.
    key: usize,
    ty: u8,
    n: usize,
    /// Whether `n` is replaced by the count the key's Number gives.
    natural: bool,
    /// Only ordinary values (no missing, padding, reserved or odd text).
    clean: bool,
    /// One choice per value of every sample.
    choices: Vec<u8>,
}

fn typed_descriptor(out: &mut Vec<u8>, ty: u8, n: usize) {
    if n < 15 {
        out.push((n as u8) << 4 | ty);
    } else {
        out.push(0xF0 | ty);
        out.push(0x11);
        out.push(n as u8);
    }
}

fn typed_int(out: &mut Vec<u8>, v: u8) {
    out.push(0x11);
    out.push(v);
}

fn typed_text(out: &mut Vec<u8>, text: &[u8]) {
    typed_descriptor(out, CHAR, text.len());
    out.extend_from_slice(text);
}

/// The value a choice stands for, as the field's type writes it (from GT's
/// values for `gt`).
fn value_bytes(field: &Field, choice: u8, gt: bool, out: &mut Vec<u8>) {
    let int: i64 = {
        let clean: &[i64] = if gt {
            &[2, 3, 4, 5, 0, 1, 6, 7, 8]
        } else {
            &[0, 1, 2, 3, 10, 99, 7, 120]
        };
        let special: &[i64] = &[-1, -5, 200, 70_000, i64::MIN, i64::MIN + 1, i64::MIN + 2];
        if field.clean || choice < 200 {
            clean[choice as usize % clean.len()]
        } else {
            special[choice as usize % special.len()]
        }
    };
    match field.ty {
        INT8 | INT16 | INT32 => {
            let (min, width) = match field.ty {
                INT8 => (i8::MIN as i64, 1),
                INT16 => (i16::MIN as i64, 2),
                _ => (i32::MIN as i64, 4),
            };
            // i64::MIN stands for the type's missing value, and up.
            let v = if int < i64::MIN + 8 {
                min + (int - i64::MIN)
            } else {
                int
            };
            out.extend_from_slice(&v.to_le_bytes()[..width]);
        }
        // BCF's type of no values: nothing to write.
        MISSING => {}
        FLOAT => {
            let clean = [0.0f32, 0.5, -1.25, 0.1, 3.0, 1e-7, 12.375];
            let special = [
                f32::from_bits(0x7F80_0001),
                f32::from_bits(0x7F80_0002),
                f32::NAN,
                f32::INFINITY,
                -0.0,
            ];
            let v = if field.clean || choice < 200 {
                clean[choice as usize % clean.len()]
            } else {
                special[choice as usize % special.len()]
            };
            out.extend_from_slice(&v.to_bits().to_le_bytes());
        }
        _ => {
            let clean = [b'a', b'B', b'1', b'a', b'z'];
            let special = [0u8, b'.', b',', b':', 0xFF, b'\t', 0];
            out.push(if field.clean || choice < 200 {
                clean[choice as usize % clean.len()]
            } else {
                special[choice as usize % special.len()]
            });
        }
    }
}

/// A record's two parts: `n_allele` alleles, the INFO entries `info` (keys
/// index [`INFO_KEYS`]), and the FORMAT `fields`.
fn record(n_allele: usize, info: &[Field], fields: &[Field]) -> (Vec<u8>, Vec<u8>) {
    let mut shared = Vec::new();
    shared.extend_from_slice(&0u32.to_le_bytes()); // CHROM: contig 0
    shared.extend_from_slice(&99u32.to_le_bytes()); // POS 100
    shared.extend_from_slice(&1u32.to_le_bytes()); // rlen
    shared.extend_from_slice(&0x7F80_0001u32.to_le_bytes()); // QUAL missing
    let n_info = info.len();
    shared.extend_from_slice(&((n_allele << 16 | n_info) as u32).to_le_bytes());
    shared.extend_from_slice(&((fields.len() << 24 | SAMPLES) as u32).to_le_bytes());
    typed_text(&mut shared, b"rs1");
    for allele in [&b"A"[..], b"C", b"G", b"T"].iter().take(n_allele) {
        typed_text(&mut shared, allele);
    }
    typed_descriptor(&mut shared, INT8, 1);
    shared.push(0); // PASS
    for entry in info {
        let mut entry = entry.clone();
        if entry.natural {
            entry.n = match INFO_KEYS.get(entry.key) {
                Some(&"AF") => n_allele - 1,
                Some(&"DB") => 0,
                Some(&"XT" | &"XL") => entry.n.max(1),
                _ => 1,
            };
        }
        typed_int(&mut shared, 1 + entry.key as u8);
        typed_descriptor(&mut shared, entry.ty, entry.n);
        for &choice in entry.choices.iter().take(entry.n) {
            value_bytes(&entry, choice, false, &mut shared);
        }
    }
    let mut indiv = Vec::new();
    for field in fields {
        let mut field = field.clone();
        if field.natural {
            field.n = match KEYS.get(field.key) {
                Some(&"GT" | &"HQ") => 2,
                Some(&"AD") => n_allele,
                Some(&"GL") => n_allele * (n_allele + 1) / 2,
                Some(&"FT" | &"XS") => field.n.max(1),
                _ => 1,
            };
        }
        let field = &field;
        // PASS is 0 and DP 1; the FORMAT keys follow the INFO keys.
        let key = if field.key == KEYS.len() {
            1
        } else {
            1 + INFO_KEYS.len() + field.key
        };
        typed_int(&mut indiv, key as u8);
        typed_descriptor(&mut indiv, field.ty, field.n);
        for &choice in field.choices.iter().take(field.n * SAMPLES) {
            value_bytes(field, choice, field.key == 0, &mut indiv);
        }
    }
    (shared, indiv)
}

fn field() -> impl Strategy<Value = Field> {
    (
        0..=KEYS.len(),
        prop_oneof![
            4 => Just(INT8),
            2 => Just(INT16),
            1 => Just(INT32),
            2 => Just(FLOAT),
            2 => Just(CHAR),
            1 => Just(MISSING),
        ],
        prop_oneof![1 => Just(0usize), 6 => 1usize..4, 1 => Just(16usize)],
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.7),
        proptest::collection::vec(any::<u8>(), 16 * SAMPLES),
    )
        .prop_map(|(key, ty, n, natural, clean, choices)| {
            // Mostly the type the header gives the key.
            let ty = match (KEYS.get(key), ty) {
                (Some(&"GT" | &"AD" | &"GQ" | &"HQ") | None, CHAR | FLOAT) => INT8,
                (Some(&"GL" | &"XF"), INT8 | INT16) => FLOAT,
                (Some(&"FT" | &"XS" | &"XC"), INT8 | INT16 | INT32) => CHAR,
                (_, ty) => ty,
            };
            Field {
                key,
                ty,
                n,
                natural,
                clean,
                choices,
            }
        })
}

/// An INFO entry: a key of [`INFO_KEYS`], mostly of its type.
fn info_entry() -> impl Strategy<Value = Field> {
    (
        0..INFO_KEYS.len(),
        prop_oneof![4 => Just(INT8), 1 => Just(INT16), 1 => Just(INT32), 2 => Just(FLOAT), 2 => Just(CHAR)],
        0usize..4,
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.8),
        proptest::collection::vec(any::<u8>(), 4),
    )
        .prop_map(|(key, ty, n, natural, clean, choices)| {
            let ty = match (INFO_KEYS[key], ty) {
                ("DP" | "END" | "XL", CHAR | FLOAT) => INT16,
                ("AF", INT8 | INT16) => FLOAT,
                ("XT", INT8 | INT16 | INT32) => CHAR,
                (_, ty) => ty,
            };
            Field {
                key,
                ty,
                n,
                natural,
                clean,
                choices,
            }
        })
}

/// A record's FORMAT: distinct keys, GT first when there; now and then
/// none at all.
fn fields() -> impl Strategy<Value = Vec<Field>> {
    proptest::collection::vec(field(), 0..5).prop_map(|mut fields| {
        let mut seen = std::collections::HashSet::new();
        fields.retain(|f| seen.insert(f.key));
        fields.sort_by_key(|f| f.key != 0);
        fields
    })
}

/// Decodes a record as the reader does: directly where it can, else
/// through its text.
fn decode_direct(
    transcoder: &mut Transcoder,
    decoder: &mut RecordDecoder,
    shared: &[u8],
    indiv: &[u8],
) -> Option<(Result<crate::record::Outcome, String>, bool)> {
    let len = shared.len() + indiv.len() + 8;
    super::reader::decode_record(transcoder, decoder, shared, indiv, len).ok()
}

fn options(lenient: bool, subset: bool, matrix: bool) -> ReaderOptions {
    ReaderOptions {
        stringency: if lenient {
            Stringency::Lenient
        } else {
            Stringency::Strict
        },
        samples: subset.then(|| vec!["S1".into(), "S7".into(), "S19".into()]),
        matrix_genotypes: matrix,
        ..Default::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Typed sample values decoded directly give what their VCF text
    /// gives: the same outcome or error per record, the same warnings and
    /// nulled counts, and the same batch, in Glow's layout and the matrix
    /// layout, for all samples or some.
    #[test]
    fn direct_decoding_is_decoding_the_transcoded_line(
        records in proptest::collection::vec(
            (1usize..=4, proptest::collection::vec(info_entry(), 0..4), fields()),
            1..6,
        ),
        lenient in any::<bool>(),
        subset in any::<bool>(),
        matrix in any::<bool>(),
    ) {
        let header = header();
        let options = options(lenient, subset, matrix);
        let mut direct = RecordDecoder::new(&header, &options).unwrap();
        let mut text = RecordDecoder::new(&header, &options).unwrap();
        let mut t1 = Transcoder::new(dictionaries(&header).unwrap(), SAMPLES);
        let mut t2 = Transcoder::new(dictionaries(&header).unwrap(), SAMPLES);
        for (n_allele, info, fields) in &records {
            let (shared, indiv) = record(*n_allele, info, fields);
            let Some((got, _)) = decode_direct(&mut t1, &mut direct, &shared, &indiv) else {
                prop_assert!(t2.transcode(&shared, &indiv).is_err());
                continue;
            };
            t2.transcode(&shared, &indiv).unwrap();
            let expected = text.decode(t2.line());
            prop_assert_eq!(&got, &expected, "{}", String::from_utf8_lossy(t2.line()));
            prop_assert_eq!(direct.take_warnings(), text.take_warnings());
        }
        prop_assert_eq!(direct.nulled(), text.nulled());
        let (a, b) = (direct.finish().unwrap(), text.finish().unwrap());
        prop_assert_eq!(a, b);
    }
}

/// Clean fields of every kind take the direct path (and it gives what the
/// text gives, as above).
#[test]
fn clean_records_are_decoded_directly() {
    let header = header();
    for matrix in [false, true] {
        let options = options(false, false, matrix);
        let mut decoder = RecordDecoder::new(&header, &options).unwrap();
        let mut transcoder = Transcoder::new(dictionaries(&header).unwrap(), SAMPLES);
        let cases = [
            (0, INT8, 2),
            (1, INT16, 3),
            (2, INT32, 1),
            (3, CHAR, 2),
            (4, FLOAT, 6),
            (5, INT8, 2),
            (6, CHAR, 3),
            (7, FLOAT, 1),
            (8, CHAR, 1),
            (KEYS.len(), INT8, 1),
        ];
        for (key, ty, n) in cases {
            let mut fields = vec![Field {
                key,
                ty,
                n,
                natural: false,
                clean: true,
                choices: (0..n * SAMPLES).map(|i| (i % 8) as u8).collect(),
            }];
            if key != 0 {
                fields.insert(
                    0,
                    Field {
                        key: 0,
                        ty: INT8,
                        n: 2,
                        natural: false,
                        clean: true,
                        choices: vec![0; 2 * SAMPLES],
                    },
                );
            }
            let info: Vec<Field> = [
                (0, INT8, 1),
                (1, FLOAT, 2),
                (2, INT8, 0),
                (3, INT32, 1),
                (4, CHAR, 3),
                (5, INT16, 2),
            ]
            .into_iter()
            .map(|(key, ty, n)| Field {
                key,
                ty,
                n,
                natural: false,
                clean: true,
                choices: vec![4, 1, 2, 3],
            })
            .collect();
            let (shared, indiv) = record(3, &info, &fields);
            let (result, direct) =
                decode_direct(&mut transcoder, &mut decoder, &shared, &indiv).unwrap();
            assert!(result.is_ok(), "{key}: {result:?}");
            assert!(direct, "{:?} of type {ty} fell back to text", KEYS.get(key));
        }
        assert_eq!(decoder.finish().unwrap().num_rows(), cases.len());
    }
}
