"""Device drivers: one module per kind of device.

Each module holds a small interface, a real backend and a simulated backend that
shares every step with the real one except the last hop (the same ticket bytes,
the same board frame, the same WAV). The backend is chosen by configuration,
never silently: a missing device is a :class:`drivers.base.DeviceError` that says
how to fix it.
"""
