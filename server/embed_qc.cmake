# Writes a C++ source holding the quality-control defaults (rules.conf, coherence.csv) as string
# constants, like embed_nomenclature.cmake does for the nomenclature.
set(body "// Generated from server/data/qc by embed_qc.cmake. Do not edit.\n")
string(APPEND body "#include <string_view>\nnamespace tessera::qc::detail {\n")
foreach(pair "rules_conf;rules.conf" "coherence_csv;coherence.csv")
  list(GET pair 0 name)
  list(GET pair 1 file)
  file(READ ${IN_DIR}/${file} text)
  string(APPEND body "extern const std::string_view ${name};\n")
  string(APPEND body "const std::string_view ${name} = R\"tessera_qc(${text})tessera_qc\";\n")
endforeach()
string(APPEND body "}\n")
file(WRITE ${OUT} "${body}")
