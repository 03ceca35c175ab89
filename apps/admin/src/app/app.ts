import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterOutlet } from '@angular/router';
import { PlatformStatus } from './status/platform-status';

@Component({
  selector: 'app-root',
  imports: [RouterOutlet, PlatformStatus],
  templateUrl: './app.html',
  styleUrl: './app.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class App {}
