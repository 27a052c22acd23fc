// libcurl's types and constants (the calls go through CWSCCurl, which loads libcurl on first use).
#pragma once
#include <curl/curl.h>
