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

/// Turns an error of genolake (or of an engine carrying one) into a
/// [`GenolakeError`] whose message is the error's, once, without the
/// engines' labels ([`genolake_core::error::render`]).
pub(crate) fn to_py(error: impl std::error::Error + 'static) -> PyErr {
    GenolakeError::new_err(genolake_core::error::render(&error))
}

/// A [`GenolakeError`] of genolake's own making (a wrong argument).
pub(crate) fn usage(message: impl Into<String>) -> PyErr {
    GenolakeError::new_err(message.into())
}

/// An error met while a stream is read, as Arrow's C stream carries it to
/// the consumer: its message is genolake's, once (pyarrow then raises it
/// behind the `External error: ` label, which the package strips).
pub(crate) fn arrow_error(error: impl std::error::Error + 'static) -> arrow::error::ArrowError {
    arrow::error::ArrowError::ExternalError(genolake_core::error::render(&error).into())
}
