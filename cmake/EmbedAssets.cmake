# embed_assets(OUTPUT out.cpp NAMESPACE ns FUNCTION fn FILES a.html b.js ...)
# Like embed_files (EmbedFiles.cmake), for files of any bytes (scripts, styles, images): each file
# becomes a byte array, so no text in it can break the generated C++. The source is generated at build
# time and depends on the files, so editing a page rebuilds the server without reconfiguring.
set(BORDERLOG_EMBED_ASSETS_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_assets_script.cmake)

function(embed_assets)
  cmake_parse_arguments(EMBED "" "OUTPUT;NAMESPACE;FUNCTION" "FILES" ${ARGN})
  string(REPLACE ";" "|" files "${EMBED_FILES}")
  add_custom_command(
    OUTPUT ${EMBED_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${EMBED_OUTPUT} -DNAMESPACE=${EMBED_NAMESPACE} -DFUNCTION=${EMBED_FUNCTION}
            -DFILES=${files} -P ${BORDERLOG_EMBED_ASSETS_SCRIPT}
    DEPENDS ${EMBED_FILES} ${BORDERLOG_EMBED_ASSETS_SCRIPT}
    COMMENT "Embedding ${EMBED_FUNCTION}"
    VERBATIM)
endfunction()
