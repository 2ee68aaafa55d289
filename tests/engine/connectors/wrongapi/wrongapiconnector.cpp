#include "wrongapiconnector.h"
