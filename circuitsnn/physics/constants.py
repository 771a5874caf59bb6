"""Physical constants and the SPICE conventions every law shares (one place for each number)."""

#: Boltzmann constant over elementary charge (V/K), CODATA 2018 exact.
K_OVER_Q = 8.617333262e-5
#: 0 degC in K.
T0_KELVIN = 273.15
#: ngspice's default temperature (degC) and the same in K.
T_NOMINAL_C = 27.0
T_NOMINAL = T_NOMINAL_C + T0_KELVIN
#: Time constant (s) of the resistor that only fixes a state node's DC value (its initial
#: state): 1e12 s, about 32,000 years, so it never shows in a simulation.
HOLD_TAU = 1e12


def thermal_voltage(temp_k: float) -> float:
    """kT/q (V) at ``temp_k`` kelvin."""
    return K_OVER_Q * temp_k
