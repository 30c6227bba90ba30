"""The real office and the tests' fake both give the pages what ``OfficeForPages`` names."""

from __future__ import annotations

import inspect

from kiosk.app import Office
from kiosk.clock import FakeClock
from kiosk.devices import Devices
from kiosk.simulation import Simulation
from kiosk.web.office import OfficeForPages, SimulationForPages
from tests.conftest import at
from tests.web.fakes import FakeOffice, FakeSimulation


def _methods(protocol: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for name, member in vars(protocol).items()
            if inspect.isfunction(member) and not name.startswith("_")}


def _attributes(protocol: type) -> set[str]:
    return {name for name in protocol.__annotations__}


def test_the_office_and_the_fake_have_every_method_of_the_contract_with_its_parameters():
    for protocol, implementations in ((OfficeForPages, (Office, FakeOffice)),
                                      (SimulationForPages, (Simulation, FakeSimulation))):
        for name, signature in _methods(protocol).items():
            for implementation in implementations:
                found = inspect.signature(getattr(implementation, name))
                assert list(found.parameters) == list(signature.parameters), (implementation, name)


def test_the_fake_office_is_an_office_for_pages(demo_config):
    office = FakeOffice(demo_config, at("2026-11-24 09:00"), simulate=True)
    assert isinstance(office, OfficeForPages)
    assert isinstance(office.simulation, SimulationForPages)
    assert _attributes(OfficeForPages) <= set(vars(office))


def test_the_real_office_is_an_office_for_pages(demo_config, tmp_path):
    office = Office(demo_config, lambda: None, FakeClock(at("2026-11-24 09:00")), Devices())  # never started
    assert isinstance(office, OfficeForPages)
    assert _attributes(OfficeForPages) <= set(vars(office))
