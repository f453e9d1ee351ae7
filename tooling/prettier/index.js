// Shared prettier settings: the formatter settles layout so reviews never do.
/** @type {import("prettier").Config} */
export default { printWidth: 110, trailingComma: "all", objectWrap: "collapse" };
