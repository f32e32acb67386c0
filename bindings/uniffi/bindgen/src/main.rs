//! `uniffi-bindgen`: generates the Kotlin and Swift sources from `libjiga_uniffi.so`
//! (`bindings/uniffi/scripts/generate.sh` runs it).

fn main() {
    uniffi::uniffi_bindgen_main()
}
