//! gpsd AIS JSON (wip)
