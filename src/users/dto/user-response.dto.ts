import { ApiProperty } from '@nestjs/swagger';

export class UsernameResponseDto {
  @ApiProperty({ example: 'hawk' }) username: string;
}

export class TokenResponseDto {
  @ApiProperty({
    example:
      'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpZCI6MSwiZXhwIjoxNjA4Nzc4MjA1LjY1Njc2NzZ9.3zQ9CSAiu5pdVXc_cWaby1WGTpTTF-dCEjDpvOuvyxg',
    description: 'An access JWT; also accepted as the username of Basic credentials',
  })
  token: string;

  @ApiProperty({ example: 600, description: 'Approximate number of seconds the token is valid' })
  duration: number;
}

export class ResourceResponseDto {
  @ApiProperty({ example: 'Hello, hawk!' }) data: string;
}
