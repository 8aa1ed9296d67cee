# Compile settings for every target of ours: warnings as errors, optional sanitizers.

if(NVSX_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# nvsx_target_defaults(TARGET): our warning set; third-party headers come in as system includes.
function(nvsx_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror -Wshadow
                                           -Wnon-virtual-dtor -Wno-missing-field-initializers)
endfunction()
