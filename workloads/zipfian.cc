#include "workloads/zipfian.h"

#include <stdexcept>
#include <string>

namespace rpbench::workloads {

ZipfianSampler::ZipfianSampler(uint64_t n, double theta) : n_(0), n_double_(0), theta_(theta) {
  if (!(theta > 0.0) || !std::isfinite(theta)) {
    throw std::invalid_argument("zipfian: theta " + std::to_string(theta) + " must be > 0");
  }
  one_over_one_minus_theta_ = theta == 1.0 ? HUGE_VAL : 1.0 / (1.0 - theta);
  h_integral_x1_ = h_integral(1.5) - 1.0;
  s_ = 2.0 - h_integral_inverse(h_integral(2.5) - h(2.0));
  set_n(n);
}

void ZipfianSampler::set_n(uint64_t n) {
  if (n == 0) throw std::invalid_argument("zipfian: the item count must be >= 1");
  n_ = n;
  n_double_ = static_cast<double>(n);
  h_integral_n_ = h_integral(n_double_ + 0.5);
}

}  // namespace rpbench::workloads
