# Installs qgate as a service (FHS paths) and packages it as a .deb with CPack (scripts/package.sh).
# `cmake --install` puts the binary, the default configuration, the catalog seed, the docs assets,
# the OpenAPI document, the systemd unit and the nginx example in place; the data directory
# /var/lib/qgate and the `qgate` user are made by the package's postinst (deploy/debian/), not here.

# A service lives under /usr: with that prefix GNUInstallDirs puts the configuration in /etc and the
# state in /var. A prefix given on the command line wins; build directories configured before this
# file hold CMake's own default, /usr/local, and are moved to /usr once.
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT
   OR (NOT DEFINED CACHE{QGATE_INSTALL_PREFIX_SEEN} AND CMAKE_INSTALL_PREFIX STREQUAL "/usr/local"))
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix" FORCE)
endif()
set(QGATE_INSTALL_PREFIX_SEEN ON CACHE INTERNAL "packaging.cmake has chosen the install prefix")
include(GNUInstallDirs)
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(WARNING "CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}: deploy/qgate.service and the "
                  "package's maintainer scripts assume /usr (/usr/bin/qgate, /etc/qgate, /var/lib/qgate)")
endif()

set(QGATE_STATE_DIR ${CMAKE_INSTALL_FULL_LOCALSTATEDIR}/lib/qgate)  # /var/lib/qgate
set(QGATE_DATA_DIR ${CMAKE_INSTALL_FULL_DATADIR}/qgate)             # /usr/share/qgate
set(QGATE_CONFIG_DIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/qgate)        # /etc/qgate
# Debian 12 keeps packaged units here (systemd.pc: systemdsystemunitdir).
set(QGATE_UNIT_DIR /lib/systemd/system)

# The installed configuration is config/qgate.toml with its file paths moved to the FHS places,
# made at configure time (an edit of config/qgate.toml re-runs it): every other key, default and
# comment is the developer's file, so the two cannot drift (tests/package/package_test.sh compares
# them key by key, and fails on a path key left relative here).
function(qgate_write_installed_config input output)
  file(READ ${input} text)
  # section key value. A key that is not in the file (admin.console_dir, newer) is left out.
  set(rewrites
      catalog path ${QGATE_STATE_DIR}/catalog.db
      catalog seed ${QGATE_DATA_DIR}/models.json
      limits ledger_spill_path ${QGATE_STATE_DIR}/ledger-spill.jsonl
      docs assets_dir ${QGATE_DATA_DIR}/web
      docs openapi ${QGATE_DATA_DIR}/openapi.json
      admin console_dir ${QGATE_DATA_DIR}/console)
  while(rewrites)
    list(POP_FRONT rewrites section key value)
    # A section runs from its header to the next line that starts with "[".
    string(FIND "${text}" "\n[${section}]\n" begin)
    if(begin EQUAL -1)
      continue()
    endif()
    math(EXPR begin "${begin} + 1")
    string(SUBSTRING "${text}" 0 ${begin} before)
    string(SUBSTRING "${text}" ${begin} -1 rest)
    string(FIND "${rest}" "\n[" end)
    if(end EQUAL -1)
      set(body "${rest}")
      set(after "")
    else()
      string(SUBSTRING "${rest}" 0 ${end} body)
      string(SUBSTRING "${rest}" ${end} -1 after)
    endif()
    string(REGEX MATCHALL "\n${key} *= *\"[^\"\n]*\"" found "${body}")
    list(LENGTH found count)
    if(count GREATER 1)
      message(FATAL_ERROR "${input}: ${section}.${key} is set ${count} times")
    endif()
    string(REGEX REPLACE "(\n${key} *= *)\"[^\"\n]*\"" "\\1\"${value}\"" body "${body}")
    set(text "${before}${body}${after}")
  endwhile()
  file(WRITE ${output}.tmp
       "# Installed by the qgate package from config/qgate.toml: the same keys and defaults, with the\n"
       "# files at their FHS places (state in ${QGATE_STATE_DIR}, read-only data in ${QGATE_DATA_DIR}).\n"
       "# The service reads it with --config; API keys go in /etc/default/qgate, never here.\n"
       "${text}")
  file(COPY_FILE ${output}.tmp ${output} ONLY_IF_DIFFERENT)
  file(REMOVE ${output}.tmp)
endfunction()

set(QGATE_INSTALLED_CONFIG ${PROJECT_BINARY_DIR}/installed/qgate.toml)
qgate_write_installed_config(${PROJECT_SOURCE_DIR}/config/qgate.toml ${QGATE_INSTALLED_CONFIG})
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${PROJECT_SOURCE_DIR}/config/qgate.toml)

install(TARGETS qgate RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${QGATE_INSTALLED_CONFIG} DESTINATION ${QGATE_CONFIG_DIR})
install(FILES config/models.json http/docs/openapi.json DESTINATION ${QGATE_DATA_DIR})
install(FILES deploy/qgate.service DESTINATION ${QGATE_UNIT_DIR})
install(FILES deploy/nginx-fleet.conf DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
# The operator console (admin.console_dir), when the checkout has one.
if(EXISTS ${PROJECT_SOURCE_DIR}/web/console)
  install(DIRECTORY web/console/ DESTINATION ${QGATE_DATA_DIR}/console
          FILES_MATCHING PATTERN "*.html" PATTERN "*.js" PATTERN "*.css")
endif()

# The docs assets: only the files http/static_assets.cpp serves, and their licences.
set(QGATE_WEB_DIR ${PROJECT_SOURCE_DIR}/web/node_modules)
set(swagger_files swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js
                  favicon-32x32.png LICENSE NOTICE)
set(redoc_files bundles/redoc.standalone.js bundles/redoc.standalone.js.LICENSE.txt LICENSE)
set(QGATE_WEB_ASSETS_FOUND ON)
foreach(file IN LISTS swagger_files)
  if(NOT EXISTS ${QGATE_WEB_DIR}/swagger-ui-dist/${file})
    set(QGATE_WEB_ASSETS_FOUND OFF)
  endif()
endforeach()
foreach(file IN LISTS redoc_files)
  if(NOT EXISTS ${QGATE_WEB_DIR}/redoc/${file})
    set(QGATE_WEB_ASSETS_FOUND OFF)
  endif()
endforeach()
if(QGATE_WEB_ASSETS_FOUND)
  list(TRANSFORM swagger_files PREPEND ${QGATE_WEB_DIR}/swagger-ui-dist/)
  install(FILES ${swagger_files} DESTINATION ${QGATE_DATA_DIR}/web/swagger-ui-dist)
  install(FILES ${QGATE_WEB_DIR}/redoc/bundles/redoc.standalone.js
                ${QGATE_WEB_DIR}/redoc/bundles/redoc.standalone.js.LICENSE.txt
          DESTINATION ${QGATE_DATA_DIR}/web/redoc/bundles)
  install(FILES ${QGATE_WEB_DIR}/redoc/LICENSE DESTINATION ${QGATE_DATA_DIR}/web/redoc)
else()
  # qgate still starts without them: /docs and /redoc then say how to install them.
  message(WARNING "web/node_modules lacks swagger-ui-dist or redoc (scripts/install-deps.sh): "
                  "installing without the docs assets")
endif()

# The Debian package. Depends are computed from the binary (dpkg-shlibdeps, from dpkg-dev).
set(CPACK_PACKAGE_NAME qgate)
set(CPACK_PACKAGE_VENDOR qgate)
set(QGATE_PACKAGE_MAINTAINER "qgate maintainers <qgate@localhost>"
    CACHE STRING "The .deb's Maintainer field")
set(CPACK_PACKAGE_CONTACT ${QGATE_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "LLM gateway in front of Qwen models on DashScope")
# Lines under 80 columns (lintian).
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "One chat API (JSON or Server-Sent Events), the model catalog and an\n"
       "OpenAI-compatible API, with tenants, rate limits, a usage ledger and upstream\n"
       "key rotation, retries and fallbacks.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
# The configuration and the unit have absolute destinations: staged under DESTDIR, not the host.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # qgate_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The maintainer scripts call adduser; the shared libraries are appended to this.
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql, redis-server, nginx")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
configure_file(deploy/debian/conffiles.in ${PROJECT_BINARY_DIR}/debian/conffiles @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/postrm ${PROJECT_BINARY_DIR}/debian/conffiles)
include(CPack)
