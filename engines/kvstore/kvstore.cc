// The store on the process heap: BasicKvStore<MallocAlloc>, the one the fork-based engines use.
#include "engines/kvstore/kvstore_impl.h"

namespace rpbench::kvstore {

template class BasicKvStore<MallocAlloc>;

}  // namespace rpbench::kvstore
