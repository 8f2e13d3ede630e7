/* satscore._prn_ext: placeholder module (the kernel is being written). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyMethodDef methods[] = {{NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_prn_ext", "satscore C kernel (placeholder).", -1, methods,
};

PyMODINIT_FUNC PyInit__prn_ext(void) { return PyModule_Create(&module); }
