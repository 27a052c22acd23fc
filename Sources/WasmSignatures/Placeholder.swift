public enum WasmSignaturesPlaceholder {}
