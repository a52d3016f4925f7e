//! genolake's errors as one Python exception.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    _native,
    GenolakeError,
    PyException,
    "An error of genolake: its message names the file and the line or byte offset."
);

/// The message of an error, without the prefixes DataFusion and Arrow add
/// when they carry an error of the readers.
pub(crate) fn message(error: &dyn std::fmt::Display) -> String {
    let mut text = error.to_string();
    while let Some(rest) = text
        .strip_prefix("External error: ")
        .or_else(|| text.strip_prefix("Arrow error: "))
    {
        text = rest.to_string();
    }
    text
}

/// Turns any error into a [`GenolakeError`].
pub(crate) fn to_py(error: impl std::fmt::Display) -> PyErr {
    GenolakeError::new_err(message(&error))
}
